"""Notifications: one message per channel for each triggering event, queued or suppressed
by consent, their lifecycle until sent or failed, and the API reading them."""
