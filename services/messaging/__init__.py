"""messaging: SMS and email to members, rendered from templates and sent with consent."""
