"""What loyalty does for a member's rights over their data: erasure (PIPL art. 47)."""
