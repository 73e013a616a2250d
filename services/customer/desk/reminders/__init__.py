"""Staff reminders of the service desk: follow-ups due and birthdays coming up."""
