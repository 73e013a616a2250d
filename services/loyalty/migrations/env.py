from services.loyalty.models import LoyaltyTable
from shared.migrations import run_env

run_env(LoyaltyTable.metadata)
