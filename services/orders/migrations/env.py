from services.orders.models import OrdersTable
from shared.migrations import run_env

run_env(OrdersTable.metadata)
