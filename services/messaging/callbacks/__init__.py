"""What an SMS provider posts back (delivery receipts, inbound replies): signed per Standard
Webhooks, checked here once for every kind of callback."""
