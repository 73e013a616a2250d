"""Members: registration, profile reads, lookup by phone or card number, listing."""
