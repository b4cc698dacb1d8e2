"""Group-buy (拼团): open a group, share it, join, pay; it succeeds, or fails and is refunded."""
