"""The member's rights over their data: erasure (PIPL art. 47) and access (art. 45)."""
