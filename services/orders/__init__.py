"""orders: partner stores, their sales and returns."""
