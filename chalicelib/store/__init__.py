"""DynamoDB plumbing shared by every capability: table naming, round-trip counting, errors."""
