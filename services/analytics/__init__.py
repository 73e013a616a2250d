"""The analytics service: read models built from every event, and KPIs over them."""
