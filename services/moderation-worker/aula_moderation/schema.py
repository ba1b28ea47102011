"""Every moderation table, from every domain's models: the metadata migrations and schema checks compare."""

from aula_moderation.chats import models as chats  # noqa: F401  (each import adds its tables to the metadata)
from aula_moderation.commands import models as commands  # noqa: F401
from aula_moderation.database import metadata
from aula_moderation.log import models as log  # noqa: F401
from aula_moderation.network import models as network  # noqa: F401
from aula_moderation.onboarding import models as onboarding  # noqa: F401
from aula_moderation.people import models as people  # noqa: F401
from aula_moderation.restrictions import models as restrictions  # noqa: F401
from aula_moderation.roles import models as roles  # noqa: F401
from aula_moderation.timers import models as timers  # noqa: F401

__all__ = ["metadata"]
