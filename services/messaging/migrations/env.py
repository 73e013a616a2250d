from services.messaging.base import MessagingTable
from services.messaging.broadcasts import models as _broadcasts  # noqa: F401
from services.messaging.contacts import models as _contacts  # noqa: F401  (their tables)
from services.messaging.delivery import models as _delivery  # noqa: F401
from services.messaging.digests import models as _digests  # noqa: F401
from services.messaging.journeys import models as _journeys  # noqa: F401
from services.messaging.notifications import models as _notifications  # noqa: F401
from services.messaging.optouts import models as _optouts  # noqa: F401
from services.messaging.policy import models as _policy  # noqa: F401
from services.messaging.templates import models as _templates  # noqa: F401
from services.messaging.webhooks import models as _webhooks  # noqa: F401
from shared.migrations import run_env

run_env(MessagingTable.metadata)
