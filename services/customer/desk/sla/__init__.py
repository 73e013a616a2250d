"""Business hours and the due time of a ticket's SLA (pure)."""
