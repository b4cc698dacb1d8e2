"""Abuse limits: per-user, per-device and per-network request budgets, counted in DynamoDB."""
