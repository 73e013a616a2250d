"""Staff accounts: admins create them; staff sign in with a login and a password."""
