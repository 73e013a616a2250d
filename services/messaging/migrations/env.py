from services.messaging.models import MessagingTable
from shared.migrations import run_env

run_env(MessagingTable.metadata)
