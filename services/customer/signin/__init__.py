"""Member sign-up and sign-in by one-time SMS code, with rotating refresh tokens."""
