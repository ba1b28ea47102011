"""Celery wiring shared by every worker: one app per service, each on its own queue.

Updates do not travel as ordinary Celery tasks: the gateway fills per-conversation mailboxes and wakes a
service's `drain` task (see mailbox.py). `register_drain` turns a service's batch handler into that task.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Mapping

from celery import Celery
from celery.signals import setup_logging, worker_process_init

from aula_shared import components
from aula_shared import db as aula_db
from aula_shared import logging as aula_logging
from aula_shared import redis as aula_redis
from aula_shared.dispatch import INFRASTRUCTURE_ERRORS
from aula_shared.envelope import Envelope
from aula_shared.mailbox import ConversationsFailed, Drainer, LockBusy, drain_task_name, queue_name, sweep
from aula_shared.settings import Settings, SettingsError

log = logging.getLogger(__name__)

# A drain task may run for minutes on a busy chat; past this, Redis hands an unacknowledged message to another
# worker (harmless: the conversation lock stops a second drainer). Also bounds recovery after a host is lost.
VISIBILITY_TIMEOUT_SECONDS = 300
SWEEP_INTERVAL_SECONDS = 30.0


class AulaCelery(Celery):
    """A Celery app whose tasks are its own. Celery's default (`shared=True`) adds every task to every app of
    the process, so two apps declaring the same task name — a service's worker and a producer, or two workers
    built with different settings in one test process — would run each other's closures."""

    def task(self, *args, **options):
        options.setdefault("shared", False)
        return super().task(*args, **options)


def make_celery(service: str, settings: Settings, include: Iterable[str] = ()) -> Celery:
    """The Celery app of one service; its tasks go to the queue `aula.<service>` unless routed elsewhere."""
    app = AulaCelery(f"aula.{service}", broker=settings.require_redis(), include=list(include))
    app.conf.update(
        task_default_queue=queue_name(service),
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        task_acks_late=True,  # a worker killed mid-task loses nothing: the message is handed out again
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        worker_hijack_root_logger=False,
        broker_connection_retry_on_startup=True,
        broker_transport_options={"visibility_timeout": VISIBILITY_TIMEOUT_SECONDS},
        enable_utc=True,
        timezone="UTC",
    )
    app.aula_settings = settings
    return app


@setup_logging.connect
def _configure_logging(**_kwargs) -> None:
    aula_logging.configure()


@worker_process_init.connect
def _after_fork(**_kwargs) -> None:
    # Connections inherited from the parent process must not be shared with it.
    aula_db.dispose_all()
    aula_redis.reset()


def register_drain(
    app: Celery,
    service: str,
    batch_handler: Callable[[], Callable[[list[Envelope]], None]],
    batch_size: int = 200,
    gather: int = 1,
    by_conversation: bool = False,
) -> None:
    """Add the service's `drain` and `sweep` tasks. `batch_handler()` is called once per process.

    `gather` > 1 lets one drain take up to that many waiting conversations into one batch (see Drainer). With
    `by_conversation`, the handler handles them apart (a ConversationsHandler): a conversation it could not
    handle is retried on its own, later, while the others complete.
    """
    drainers: dict[str, Drainer] = {}

    def drainer() -> Drainer:
        url = app.aula_settings.require_redis()
        if url not in drainers:
            drainers[url] = Drainer(
                aula_redis.client(url),
                service,
                batch_handler(),
                batch_size=batch_size,
                gather=gather,
                by_conversation=by_conversation,
            )
        return drainers[url]

    def countdown(error: Exception, retries: int) -> float:
        backoff = min(60, 2**retries)
        return max(backoff, getattr(error, "retry_after", None) or 0)

    @app.task(name=drain_task_name(service), bind=True, max_retries=None)
    def drain(task, conversation: str) -> int:
        try:
            return drainer().drain(conversation)
        except LockBusy as busy:
            # Another drainer holds the conversation, or one died holding it: look again when its lease ends.
            if task.request.retries >= 10:
                return 0  # the sweeper takes over from here
            raise task.retry(countdown=busy.retry_in + 0.5) from None
        except INFRASTRUCTURE_ERRORS as error:
            # Redis, the database or Telegram unreachable, or a flood wait: the batch is still in the mailbox.
            raise task.retry(countdown=countdown(error, task.request.retries), exc=error) from None
        except ConversationsFailed as failed:
            # Each failed conversation is still in its mailbox, released: wake it again once its error may be
            # over (a gathered one's wake-up left the queue when it was taken, so nothing else would, but the
            # sweeper). The others were handled.
            for other, error in failed.errors.items():
                if other != conversation:
                    drain.apply_async((other,), countdown=countdown(error, 0))
            if conversation in failed.errors:
                error = failed.errors[conversation]
                raise task.retry(countdown=countdown(error, task.request.retries), exc=error) from None
            return failed.handled

    @app.task(name=f"aula.{service}.sweep")
    def sweep_mailboxes() -> int:
        woken = sweep(aula_redis.client(app.aula_settings.require_redis()), service)
        if woken:
            log.warning("woke stalled mailboxes", extra={"service": service, "count": len(woken)})
        return len(woken)


def sweep_schedule(service: str) -> dict[str, dict]:
    return {
        f"{service}-sweep": {
            "task": f"aula.{service}.sweep",
            "schedule": SWEEP_INTERVAL_SECONDS,
            "options": {"queue": queue_name(service)},
        }
    }


# Entries whose period is not the one their component declared: "moderation-sweep=2,moderation-timers=1". For
# tests (a real beat that need not be waited on for half a minute) and for an operator who needs a period changed.
BEAT_PERIODS_VARIABLE = "AULA_BEAT_SECONDS"


def beat_app(settings: Settings, env: Mapping[str, str] | None = None) -> Celery:
    """One beat for the whole platform: the schedules of every component, each task sent to its own queue."""
    app = make_celery("beat", settings)
    schedule: dict[str, dict] = {}
    for component in components.discover():
        if component.beat_schedule:
            schedule.update(components.load(component.beat_schedule))
    app.conf.beat_schedule = with_periods(schedule, (os.environ if env is None else env).get(BEAT_PERIODS_VARIABLE, ""))
    app.conf.beat_schedule_filename = "var/celerybeat-schedule"
    return app


def with_periods(schedule: dict[str, dict], overrides: str) -> dict[str, dict]:
    """The schedule with the periods of AULA_BEAT_SECONDS ("name=seconds,…"); a SettingsError naming what is wrong."""
    changed = dict(schedule)
    for item in filter(None, (part.strip() for part in overrides.split(","))):
        name, _, raw = item.partition("=")
        name = name.strip()
        if name not in schedule:
            known = ", ".join(sorted(schedule))
            raise SettingsError(f"{BEAT_PERIODS_VARIABLE}: no beat entry {name!r}; one of: {known}")
        try:
            seconds = float(raw)
        except ValueError:
            seconds = 0.0
        if not seconds > 0:
            raise SettingsError(f"{BEAT_PERIODS_VARIABLE}: {name} must be a positive number of seconds, got {raw!r}")
        changed[name] = {**schedule[name], "schedule": seconds}
    return changed
