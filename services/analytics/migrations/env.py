from services.analytics.models import AnalyticsTable
from shared.migrations import run_env

run_env(AnalyticsTable.metadata)
