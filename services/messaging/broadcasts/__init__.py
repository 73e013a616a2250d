"""Bulk sends (群发): a staff message to an audience, throttled, with progress and a report."""
