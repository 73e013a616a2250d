"""The service desk (客服中心): tickets, their SLA and escalation, satisfaction surveys and
staff reminders."""
