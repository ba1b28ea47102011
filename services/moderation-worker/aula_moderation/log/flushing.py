"""When the log chat's flush runs: at most one waiting at a time, and one running, whatever the traffic.

Every case asks for a flush. Without coalescing, a busy minute queues a flush per case, and each that finds
another running (or the budget spent) queues its own follow-up: chains that multiply. Here a Redis key marks
"a flush is queued and has not started" (with the time it is due); asking again while it is set does nothing,
because that flush has not read the outbox yet and will see the new entry — unless it is overdue, lost with a
killed worker, and then the request queues a new one (and a worker starting forgets the mark, since the
flush it was holding when killed is lost). The flush clears the key before it reads, so an entry committed
after that asks anew.

The running flush holds a short lock that it renews before every send. A worker killed mid-flush leaves a lock
that lapses within LOCK_SECONDS, not one that silences the log chat for minutes.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable

import redis
from redis.exceptions import LockError

from aula_moderation import task_names

QUEUED_KEY = "aula:modlog:flush:queued"
LOCK_KEY = "aula:modlog:flush"
LOCK_SECONDS = 30
# A queued flush whose time came this long ago and has not started is taken as lost (its worker was killed
# holding it; Redis redelivers such a task only after the visibility timeout): the next request queues another.
LOST_AFTER = 5.0
# The mark itself lapses after this much more than its countdown, whatever happens.
QUEUED_GRACE = 30


def request(connection: redis.Redis, send_task: Callable[..., object], countdown: float | None = None) -> bool:
    """Queue a flush unless one is already queued and not overdue; True when this call queued one."""
    now = time.time()
    due = now + (countdown or 0)
    ttl = int(countdown or 0) + QUEUED_GRACE
    if not connection.set(QUEUED_KEY, due, nx=True, ex=ttl):
        queued_due = connection.get(QUEUED_KEY)
        if queued_due is not None and float(queued_due) + LOST_AFTER > now:
            return False
        # Overdue: lost. Two requests may both see it so and queue one each; the lock lets one of them send.
        connection.set(QUEUED_KEY, due, ex=ttl)
    send_task(task_names.FLUSH_LOG, (), countdown)
    return True


def forget_queued(connection: redis.Redis) -> None:
    """A worker (re)starts: a flush it held when it was killed is lost, so the next request queues a new one
    rather than wait for the lost one to be overdue."""
    connection.delete(QUEUED_KEY)


def started(connection: redis.Redis) -> None:
    """The queued flush is running: from now on a new entry needs a new flush."""
    connection.delete(QUEUED_KEY)


class FlushLock:
    """The one running flush: `acquire()` without waiting, `still_held()` renews it before each send."""

    def __init__(self, connection: redis.Redis) -> None:
        self._lock = connection.lock(LOCK_KEY, timeout=LOCK_SECONDS)

    def acquire(self) -> bool:
        return bool(self._lock.acquire(blocking=False))

    def still_held(self) -> bool:
        try:
            self._lock.reacquire()
        except LockError:  # lapsed while a send waited: another flush may run now, so stop sending
            return False
        return True

    def release(self) -> None:
        with contextlib.suppress(LockError):  # lapsed already
            self._lock.release()
