"""Policy: which class each message is of (transactional or marketing), and the brand's
rules for marketing (quiet hours, frequency caps, deduplication) and for the per-sale
points message, set by an admin (``/messaging-policy``)."""
