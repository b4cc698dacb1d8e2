"""Bargain (砍一刀): friends each cut the price of a product down towards its floor."""
