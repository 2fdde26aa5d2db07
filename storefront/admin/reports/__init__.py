"""The back office's growth report, and the baselines and declared revenue it compares against. Its
pages (routes.py) attach to storefront.admin.bp, so every endpoint stays `admin.…`."""
