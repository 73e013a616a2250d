"""Contacts: messaging's own copy of each member's name, language, addresses and consent."""
