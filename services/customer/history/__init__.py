"""The profile audit: who changed a member's profile, and when (field names, never values)."""
