from services.orders.base import OrdersTable
from services.orders.directory import models as directory
from services.orders.purchases import models as purchases
from services.orders.returns import models as returns
from services.orders.stores import models as stores
from shared.migrations import run_env

# every table module, so that autogenerate compares all of the schema
TABLES = (directory, purchases, returns, stores)

run_env(OrdersTable.metadata)
