"""The back office's plans, the plan dashboard and the re-evaluation watchlist. Its pages
(routes.py) attach to storefront.admin.bp, so every endpoint stays `admin.…`."""
