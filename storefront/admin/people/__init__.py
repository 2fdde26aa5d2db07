"""The back office's people (admins only): accounts, roles, the outlets a manager runs. Its pages
(routes.py) attach to storefront.admin.bp, so every endpoint stays `admin.…`."""
