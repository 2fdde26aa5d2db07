"""The back office's payment reviews: Stripe payments that did not match their order. Its pages
(routes.py) attach to storefront.admin.bp, so every endpoint stays `admin.…`."""
