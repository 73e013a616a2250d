"""customer: member profiles, membership cards and contact data."""
