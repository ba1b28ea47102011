"""The moderation worker's Celery task names, in one place: each domain's `tasks.register` declares its tasks
under these names, and whoever asks for one (a handler, the staff admin, the CLI, beat) sends it by name."""

from aula_shared.mailbox import queue_name

QUEUE = queue_name("moderation")

TIMERS = "aula.moderation.timers"
FLUSH_LOG = "aula.moderation.flush_log"
PRUNE_LOG = "aula.moderation.prune_log"
PUBLISH_CASES = "aula.moderation.publish_cases"
NETWORK_JOB = "aula.moderation.network_job"
APPLY_ROLES = "aula.moderation.apply_roles"
CHAT_SCOPES = "aula.moderation.chat_scopes"
FETCH_BLOCKLIST = "aula.moderation.fetch_blocklist"
RECONCILE = "aula.moderation.reconcile"
ONBOARDING_DUE = "aula.moderation.onboarding_due"
