"""Coupons: templates, stock, per-user limits, validity, thresholds; issued by every feature."""
