"""The back office's sales-point network: outlets, their managers, district coverage. Its pages
(routes.py) attach to storefront.admin.bp, so every endpoint stays `admin.…`."""
