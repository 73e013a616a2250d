"""Categories (客户分类): the brand's tree of member categories; a member is in at most one."""
