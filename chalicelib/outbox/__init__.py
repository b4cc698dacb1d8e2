"""Events for the merchant's systems (fulfil this group, refund that payment), polled and acked."""
