"""Points (a ledger with expiry), growth value and member tiers."""
