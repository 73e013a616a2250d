"""Outbound webhooks: subscriptions to event types, one delivery per event and
subscription, signed per Standard Webhooks and retried until the receiver takes it."""
