"""Who the members are by what they buy: RFM scores, value quadrants, the 80/20 view,
sleeping members and churn warnings (issue 17 item 2)."""
