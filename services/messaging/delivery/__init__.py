"""Delivery: the dispatcher that sends queued notifications, and a provider per channel."""
