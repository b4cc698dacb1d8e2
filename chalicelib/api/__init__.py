"""HTTP: views (one blueprint per capability), the route decorator, request middleware."""
