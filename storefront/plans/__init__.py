"""Provincial and national OCOP plans: their indicators' targets, the figures that measure them
(storefront.plans.indicators) and the re-evaluation watchlist."""
