"""What a provider posts back (an SMS provider's delivery receipts and inbound replies, the
email provider's bounces): signed per Standard Webhooks, checked here once for every kind
of callback."""
