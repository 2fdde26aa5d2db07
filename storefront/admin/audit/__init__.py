"""The back office's audit log. Its pages (routes.py) attach to storefront.admin.bp, so every
endpoint stays `admin.…`."""
