"""The merchant's staff: named operators with roles, their sessions, and the audit log of what
they change (``roles`` and ``rules`` pure; ``store`` one condition per write; ``service`` for
the views and the CLI; ``access`` is what the route wrapper asks on every operator call)."""
