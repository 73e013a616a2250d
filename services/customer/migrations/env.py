from services.customer.base import CustomerTable
from services.customer.members import models as _members  # noqa: F401  (its tables)
from services.customer.signin import models as _signin  # noqa: F401  (its tables)
from shared.migrations import run_env

run_env(CustomerTable.metadata)
