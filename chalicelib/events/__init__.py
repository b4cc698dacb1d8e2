"""Behaviour events, each user's activity summary and segment, and orders from the merchant."""
