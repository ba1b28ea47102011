"""Asking the moderation worker to act, from outside it (the CLI, the staff admin).

What staff change there is stored first; the worker is then asked, by a Celery message on moderation's
queue, to carry it out in Telegram (apply roles, run a network-ban job). A broker that is down loses nothing
stored: `send` answers why the action will only happen later, for the caller to show.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aula_moderation import task_names

if TYPE_CHECKING:
    from celery import Celery

    from aula_shared.settings import Settings

# One producer per broker and process: the admin sends from many requests.
_producers: dict[str, Celery] = {}


def send(settings: Settings, task: str, *args) -> str | None:
    """Queue `task(*args)` for the moderation worker: None when queued, otherwise why not."""
    if not settings.redis_url:
        return "no REDIS_URL: the worker cannot be asked"
    from aula_shared.celery import make_celery

    try:
        producer = _producers.get(settings.redis_url)
        if producer is None:
            producer = _producers[settings.redis_url] = make_celery("moderation-requests", settings)
        producer.send_task(task, args=list(args), queue=task_names.QUEUE)
    except Exception as error:  # stored either way: only the effect is delayed
        return f"could not reach the worker queue: {type(error).__name__}"
    return None
