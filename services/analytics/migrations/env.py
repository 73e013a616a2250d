from services.analytics.base import AnalyticsTable
from services.analytics.facts import models  # noqa: F401  (registers the tables)
from shared.migrations import run_env

run_env(AnalyticsTable.metadata)
