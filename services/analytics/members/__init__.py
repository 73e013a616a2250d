"""One member's spend, frequency, recency and tier (``GET /members/{id}/summary``)."""
