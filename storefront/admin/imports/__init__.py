"""The back office's file imports: producers, products, evaluations, baselines, declared revenue.
Its pages (routes.py) attach to storefront.admin.bp, so every endpoint stays `admin.…`."""
