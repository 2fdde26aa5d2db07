"""The back office's catalogue: producers, products and their photos, evaluations, lots. Its pages
(routes.py) attach to storefront.admin.bp, so every endpoint stays `admin.…`."""
