"""Subscribe-message consent and the scheduled churn wake-ups (with holdouts, caps, quiet hours)."""
