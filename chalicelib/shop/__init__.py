"""The merchant's shop: its profile and goods, browsed anonymously."""
