"""Custom fields (客户字段自定义): fields the brand defines for its members, their values."""
