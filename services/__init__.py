"""The five Huiyuan services: customer, orders, loyalty, messaging, analytics."""
