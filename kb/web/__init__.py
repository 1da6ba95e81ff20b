"""Web: the Datasette plugin. Registered as the package so Datasette finds templates/ beside it."""
from .plugin import (asgi_wrapper, canned_queries, extra_template_vars, get_metadata, menu_links, register_routes,
                     render_cell, skip_csrf, startup)

__all__ = ["asgi_wrapper", "canned_queries", "extra_template_vars", "get_metadata", "menu_links", "register_routes",
           "render_cell", "skip_csrf", "startup"]
