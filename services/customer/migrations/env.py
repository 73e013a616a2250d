from services.customer.models import CustomerTable
from shared.migrations import run_env

run_env(CustomerTable.metadata)
