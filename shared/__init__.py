"""Infrastructure and contracts shared by every Huiyuan service. No business rules live here."""
