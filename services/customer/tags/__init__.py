"""Tags: brand-defined labels (客户分类's free-form side) put on members in bulk."""
