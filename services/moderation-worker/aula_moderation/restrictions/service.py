"""Impose and release a member's restrictions; Telegram is always sent what all of them together allow.

    restrictions.impose(session, client, chat_id, user_id, "mute", until)    # until None: for ever
    restrictions.release(session, client, chat_id, user_id, "captcha")
    restrictions.release(session, client, chat_id, user_id, "mute", "flood")  # /free
    restrictions.reapply(session, client, chat_id, user_id)                 # a rejoin, the reconciler

Each call, in the caller's transaction: (1) locks the member (below), (2) reads their rows, (3) computes what
the rows would be after the change and the effective permissions of those still running (`effective`),
(4) sends that one restrictChatMember, (5) stores the change — an imposition only if Telegram agreed (a refused
/mute leaves nothing behind), a release whatever Telegram said (the reason is gone either way) — with each
timed kind's timer and the member's status ("restricted" while any restriction runs).

**Serialised per member.** Two changes of one member at once (an unmute timer firing as the newcomer solves the
CAPTCHA) must not each send what it alone saw. On PostgreSQL a transaction-scoped advisory lock on (chat, user)
is taken before the rows are read and held until the caller commits: the second change reads the first's rows
and its call reaches Telegram after the first's. It holds no row of any table: only changes of the same member
wait, for one Bot API call. On SQLite (the embedded default) the database has one writer; a change writes
before it reads, so it holds that writer until its commit. Lock order: the timer rows of the kinds changed
(SELECT … FOR UPDATE), then the member — the order in which the timers task, which holds its timer's row
already, comes here — so neither can wait for the other in a circle.

**A member Telegram says is banned here** is not sent a restriction (restrictChatMember on a banned user would
lift the ban); their rows are kept and sent when they come back (onboarding's join handler calls `reapply`).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, select, text, update
from sqlalchemy.orm import Session

from aula_moderation.people import records as people
from aula_moderation.people.models import Membership
from aula_moderation.permissions import ALL_PERMISSIONS, NO_PERMISSIONS
from aula_moderation.restrictions.models import Restriction
from aula_moderation.timers import schedule as timers
from aula_moderation.timers.models import Timer
from aula_moderation.until_dates import until_date
from aula_shared.db import insert_for
from aula_shared.telegram import Outcome
from aula_shared.timestamps import as_utc

log = logging.getLogger(__name__)

# What each kind of restriction allows (ChatPermissions). A member's effective permissions are the AND of
# those of every restriction they have; with none, every permission.
KINDS: dict[str, Mapping[str, bool]] = {
    "mute": NO_PERMISSIONS,  # /mute, the warning limit's mute, a CAPTCHA failed where the group's action is mute
    "captcha": NO_PERMISSIONS,  # a newcomer's pending CAPTCHA, until solved (no end of its own)
    "flood": NO_PERMISSIONS,  # antiflood
}
# The timer that releases a timed restriction of this kind (its key: "<timer kind>:<chat>:<user>").
TIMERS = {"mute": "unmute", "flood": "unflood"}
# What /free releases: moderation's penalties. A pending CAPTCHA is not one: the newcomer still answers it.
PENALTIES = ("mute", "flood")


@dataclass(frozen=True)
class Effective:
    """What Telegram should be told about a member: `restricted` False means every permission."""

    permissions: Mapping[str, bool]
    until: datetime | None  # None: for ever (or nothing to end)
    restricted: bool


UNRESTRICTED = Effective(ALL_PERMISSIONS, None, False)


def effective(
    rows: Iterable[tuple[str, datetime | None]],
    now: datetime | None = None,
    kinds: Mapping[str, Mapping[str, bool]] = KINDS,
) -> Effective:
    """The permissions a member's restrictions (kind, until) leave them: the AND of each running one's (an
    unknown kind allows nothing), until the latest end — for ever if any is — so that Telegram never lifts one
    early; a timer recomputes at each earlier end. Rows past their end do not count."""
    now = now or datetime.now(UTC)
    running = [(kind, until) for kind, until in rows if until is None or as_utc(until) > now]
    if not running:
        return UNRESTRICTED
    permissions = {name: all(kinds.get(kind, NO_PERMISSIONS).get(name, False) for kind, _ in running)
                   for name in ALL_PERMISSIONS}  # fmt: skip
    ends = [until for _, until in running]
    until = None if any(end is None for end in ends) else max(as_utc(end) for end in ends)
    return Effective(permissions, until, True)


def timer_key(kind: str, chat_id: int, user_id: int) -> str | None:
    timer = TIMERS.get(kind)
    return None if timer is None else f"{timer}:{chat_id}:{user_id}"


def impose(session: Session, client, chat_id: int, user_id: int, kind: str, until: datetime | None) -> Outcome:
    """Add (or replace: a newer /mute moves the end) the member's restriction of this kind."""
    return change(session, client, chat_id, user_id, impose={kind: until})


def release(session: Session, client, chat_id: int, user_id: int, *kinds: str) -> Outcome:
    """Remove these restrictions of the member; what the others still forbid stays forbidden."""
    return change(session, client, chat_id, user_id, release=kinds)


def reapply(session: Session, client, chat_id: int, user_id: int) -> Outcome | None:
    """Send Telegram the member's restrictions again (a rejoin, a drift); None when they have none running."""
    _lock(session, chat_id, user_id, ())
    if not effective(_rows(session, chat_id, user_id)).restricted:
        return None
    return _change(session, client, chat_id, user_id, {}, [])


def forget(session: Session, chat_id: int, user_id: int, *kinds: str) -> None:
    """Remove these restrictions without telling Telegram: the member was banned or kicked (a kick lifts every
    restriction in Telegram; what is left here is sent again when they come back)."""
    keys = [key for kind in kinds if (key := timer_key(kind, chat_id, user_id))]
    _lock(session, chat_id, user_id, keys)
    session.execute(
        delete(Restriction).where(
            Restriction.chat_id == chat_id, Restriction.user_id == user_id, Restriction.kind.in_(kinds)
        )
    )
    if keys:
        timers.cancel(session, *keys)


def change(
    session: Session,
    client,
    chat_id: int,
    user_id: int,
    *,
    impose: Mapping[str, datetime | None] | None = None,
    release: Iterable[str] = (),
) -> Outcome:
    """Impose and release in one change: one restrictChatMember with the member's effective permissions."""
    imposed, released = dict(impose or {}), [kind for kind in release if kind not in (impose or {})]
    unknown = set(imposed) - set(KINDS)
    if unknown:
        raise ValueError(f"unknown restriction kind(s): {', '.join(sorted(unknown))}")
    keys = sorted(key for kind in (*imposed, *released) if (key := timer_key(kind, chat_id, user_id)))
    _lock(session, chat_id, user_id, keys)
    return _change(session, client, chat_id, user_id, imposed, released)


def _change(
    session: Session,
    client,
    chat_id: int,
    user_id: int,
    imposed: dict[str, datetime | None],
    released: list[str],
) -> Outcome:
    now = datetime.now(UTC)
    after = {kind: until for kind, until in _rows(session, chat_id, user_id) if kind not in released}
    after.update(imposed)
    outcome = _send(session, client, chat_id, user_id, effective(after.items(), now))
    if released:
        session.execute(
            delete(Restriction).where(
                Restriction.chat_id == chat_id, Restriction.user_id == user_id, Restriction.kind.in_(released)
            )
        )
        timers.cancel(session, *[key for kind in released if (key := timer_key(kind, chat_id, user_id))])
    if imposed and outcome:
        for kind, until in imposed.items():
            _store(session, client, chat_id, user_id, kind, until, now)
    if outcome:
        _record_status(session, chat_id, user_id, effective(after.items(), now))
    return outcome


def _rows(session: Session, chat_id: int, user_id: int) -> list[tuple[str, datetime | None]]:
    statement = select(Restriction.kind, Restriction.until).where(
        Restriction.chat_id == chat_id, Restriction.user_id == user_id
    )
    return [(kind, until) for kind, until in session.execute(statement)]


def _lock(session: Session, chat_id: int, user_id: int, timer_keys: Iterable[str]) -> None:
    """Serialise the changes of one member until the caller's commit (see the module's docstring)."""
    if session.get_bind().dialect.name != "postgresql":
        # SQLite: a write, so that this transaction holds the database's one writer before it reads.
        session.execute(
            update(Restriction)
            .where(Restriction.chat_id == chat_id, Restriction.user_id == user_id)
            .values(kind=Restriction.kind)
            .execution_options(synchronize_session=False)
        )
        return
    keys = list(timer_keys)
    if keys:
        session.execute(select(Timer.id).where(Timer.key.in_(keys)).order_by(Timer.key).with_for_update())
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _lock_key(chat_id, user_id)})


def _lock_key(chat_id: int, user_id: int) -> int:
    digest = hashlib.blake2b(f"aula:restrictions:{chat_id}:{user_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _membership(session: Session, chat_id: int, user_id: int) -> Membership | None:
    """As stored now: the caller may have changed it with a statement since it loaded it (people.set_membership)."""
    return session.get(Membership, (chat_id, user_id), populate_existing=True)


def _send(session: Session, client, chat_id: int, user_id: int, wanted: Effective) -> Outcome:
    member = _membership(session, chat_id, user_id)
    if member is not None and member.status == "kicked":
        log.info("restriction kept for the member's return", extra={"chat_id": chat_id, "user_id": user_id})
        return Outcome(ok=True, method="restrictChatMember")
    params = {"chat_id": chat_id, "user_id": user_id, "permissions": dict(wanted.permissions),
              "use_independent_chat_permissions": True}  # fmt: skip
    if wanted.restricted:
        params["until_date"] = until_date(wanted.until)
    outcome = client.call("restrictChatMember", **params)
    if not outcome:
        log.info("restriction refused", extra={"chat_id": chat_id, "user_id": user_id, **outcome.log_fields()})
    return outcome


def _store(session: Session, client, chat_id: int, user_id: int, kind: str, until, now: datetime) -> None:
    values = {"until": until, "created_at": now}
    statement = insert_for(session, Restriction).values(chat_id=chat_id, user_id=user_id, kind=kind, **values)
    session.execute(statement.on_conflict_do_update(index_elements=["chat_id", "user_id", "kind"], set_=values))
    key = timer_key(kind, chat_id, user_id)
    if key is None:
        return
    if until is None:
        timers.cancel(session, key)
    else:
        timers.schedule(session, key, TIMERS[kind], until, bot_id=client.bot_id, chat_id=chat_id, user_id=user_id)


def _record_status(session: Session, chat_id: int, user_id: int, now_effective: Effective) -> None:
    """The member's status as Telegram now has it: restricted while any restriction runs; a member again after
    the last (someone who left, was banned or is an admin keeps their status)."""
    member = _membership(session, chat_id, user_id)
    if now_effective.restricted:
        if member is None or member.status != "kicked":
            people.set_membership(session, chat_id, user_id, "restricted", now_effective.until)
    elif member is None or member.status == "restricted":
        people.set_membership(session, chat_id, user_id, "member")


def _release_on_timer(kind: str):
    """A timer's action: its restriction ended; the member keeps what the others still forbid."""

    def run(session: Session, clients, timer: Timer) -> Outcome:
        return release(session, clients.for_bot(timer.bot_id), timer.chat_id, timer.user_id, kind)

    return run


# The timers restrictions schedule, for the timers task (see timers.schedule.run).
TIMER_ACTIONS = {timer: _release_on_timer(kind) for kind, timer in TIMERS.items()}
