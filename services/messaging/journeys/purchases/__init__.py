"""The purchases journeys keep per member (``journey_purchases``): their queries."""
