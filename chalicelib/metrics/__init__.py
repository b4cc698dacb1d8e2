"""Retention metrics: the daily rollup of yesterday's facts, and the reports read from it."""
