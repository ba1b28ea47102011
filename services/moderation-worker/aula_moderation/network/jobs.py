"""Network bans: /superban and /superfree as tracked jobs, the blocklist, and enforcement on sight.

A job has one result per managed chat the user was seen in: done, not_member, no_rights or failed (with
Telegram's words). The job task works through the pending results and can be run again at any time (after a
flood wait or a restart) without repeating finished chats. Whatever the job misses, enforcement catches: a
blocked user who joins, asks to join or writes in any managed chat is banned there at once.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from aula_moderation.chats.models import ManagedChat
from aula_moderation.log.models import Case
from aula_moderation.network.models import BlockedUser, JobResult, NetworkJob
from aula_moderation.people import records as people
from aula_moderation.people.models import Membership
from aula_moderation.timers import schedule as timers
from aula_moderation.until_dates import Expired, until_date
from aula_shared.telegram import Outcome
from aula_shared.timestamps import as_utc

log = logging.getLogger(__name__)

BATCH = 50


def active_block(session: Session, user_id: int) -> BlockedUser | None:
    blocked = session.get(BlockedUser, user_id)
    if blocked is None:
        return None
    if blocked.until is not None and as_utc(blocked.until) <= datetime.now(UTC):
        return None
    return blocked


def ban_timer_key(user_id: int) -> str:
    """The timer that ends a timed network ban (kept with the ban when the person is erased: see user_data)."""
    return f"netban:{user_id}"


def block(
    session: Session, user_id: int, source: str, *, reason: str | None, until: datetime | None, issuer_id: int | None
) -> None:
    blocked = session.get(BlockedUser, user_id)
    if blocked is None:
        blocked = BlockedUser(user_id=user_id)
        session.add(blocked)
    blocked.source, blocked.reason, blocked.until, blocked.issuer_id = source, reason, until, issuer_id
    if until is not None:
        timers.schedule(session, ban_timer_key(user_id), "network_unban", until, user_id=user_id)
    else:
        timers.cancel(session, ban_timer_key(user_id))


def unblock(session: Session, user_id: int) -> bool:
    blocked = session.get(BlockedUser, user_id)
    timers.cancel(session, ban_timer_key(user_id))
    if blocked is None:
        return False
    session.delete(blocked)
    return True


def ban_everywhere(
    session: Session,
    user_id: int,
    *,
    source: str,
    reason: str | None,
    until: datetime | None,
    issuer_id: int | None,
    also_in: int | None = None,
) -> NetworkJob:
    """A network ban: blocklisted (enforced again on every join, join request and message) and a job that bans
    the user now in every managed chat they are in — and in `also_in` (the chat the command came from), even
    if they were never seen there. The caller has the job run (`aula.moderation.network_job`)."""
    block(session, user_id, source, reason=reason, until=until, issuer_id=issuer_id)
    if also_in is not None and session.get(Membership, (also_in, user_id)) is None:
        people.set_membership(session, also_in, user_id, "member")
    return start_job(session, "superban", user_id, issuer_id, until)


def lift_everywhere(session: Session, user_id: int, *, issuer_id: int | None) -> NetworkJob:
    """Undo a network ban: off the blocklist, and a job that unbans the user in every managed chat."""
    unblock(session, user_id)
    return start_job(session, "superfree", user_id, issuer_id, None)


def start_job(session: Session, kind: str, user_id: int, issuer_id: int | None, until: datetime | None) -> NetworkJob:
    """A job over every managed chat the user was seen in; chats they are not in are settled at once."""
    job = NetworkJob(kind=kind, user_id=user_id, issuer_id=issuer_id, until=until, status="running")
    session.add(job)
    session.flush()
    managed = select(ManagedChat.id).where(ManagedChat.managed.is_(True))
    memberships = session.scalars(
        select(Membership).where(Membership.user_id == user_id, Membership.chat_id.in_(managed))
    ).all()
    for membership in memberships:
        # A ban concerns chats the user is in; a lift, chats they are banned from.
        settled = membership.status in ("left", "kicked") if kind == "superban" else membership.status != "kicked"
        session.add(JobResult(job_id=job.id, chat_id=membership.chat_id, result="not_member" if settled else "pending"))
    session.flush()
    return job


def classify(outcome: Outcome) -> tuple[str, str | None]:
    if outcome:
        return "done", None
    description = (outcome.description or "").lower()
    if outcome.forbidden or "not enough rights" in description or "chat_admin_required" in description:
        return "no_rights", outcome.description
    if "participant" in description or "member not found" in description or "user not found" in description:
        return "not_member", outcome.description
    return "failed", outcome.description


def run_job(
    session: Session,
    clients,
    job_id: int,
    pace: Callable[[int], None] | None = None,
    on_done: Callable[[Session, Any, NetworkJob], None] | None = None,
) -> bool:
    """Work through the job's pending chats; True when none is left. Flood waits propagate (retry later).

    `pace(bot_id)` waits for the bot's next bulk slot (see pacing.py) before each call; `on_done(session, clients,
    job)` runs once, by the run that finishes the job (a broadcast's delivery report).
    """
    job = session.get(NetworkJob, job_id)
    if job is None or job.status != "running":  # done, or a broadcast still a draft / discarded
        return True
    text = broadcast_text(session, job_id) if job.kind == "broadcast" else None
    while True:
        batch = session.scalars(
            select(JobResult)
            .where(JobResult.job_id == job_id, JobResult.result == "pending")
            .order_by(JobResult.chat_id)
            .limit(BATCH)
        ).all()
        if not batch:
            break
        for result in batch:
            chat = session.get(ManagedChat, result.chat_id)
            if chat is None or not chat.managed:
                result.result, result.detail = "failed", "chat no longer managed"
                continue
            client = clients.for_bot(chat.bot_id)
            if pace is not None:
                pace(chat.bot_id)
            if job.kind == "broadcast":
                outcome = client.call("sendMessage", chat_id=chat.id, text=text, parse_mode="HTML")
                status = None
            elif job.kind == "superban":
                try:
                    until = until_date(job.until)
                except Expired:  # the job ran after the ban's end: nothing to impose
                    result.result, result.detail = "done", "ended before this chat's turn"
                    session.commit()
                    continue
                outcome = client.call("banChatMember", chat_id=chat.id, user_id=job.user_id, until_date=until)
                status = "kicked"
            else:
                outcome = client.call("unbanChatMember", chat_id=chat.id, user_id=job.user_id, only_if_banned=True)
                status = "left"
            result.result, result.detail = classify(outcome)
            if outcome and status is not None:
                people.set_membership(session, chat.id, job.user_id, status, job.until if status == "kicked" else None)
            session.commit()  # each chat's result is kept even if a later call raises FloodWait
    if on_done is not None:
        # Before the job is marked done: a flood wait here retries the job, which finds every chat settled and
        # sends the report then (once done, a retry would find nothing to do and the report would be lost).
        on_done(session, clients, job)
    job.status, job.finished_at = "done", datetime.now(UTC)
    session.commit()
    return True


def broadcast_text(session: Session, job_id: int) -> str:
    """The broadcast as Telegram HTML (a case stored before formatting was kept has only its plain text)."""
    case = session.scalars(select(Case).where(Case.job_id == job_id, Case.event == "BROADCAST")).first()
    if case is None:
        return ""
    return case.evidence if case.evidence is not None else html.escape(case.reason or "")


def summary(session: Session, job_id: int) -> dict[str, int]:
    counts: dict[str, int] = {}
    for result in session.scalars(select(JobResult.result).where(JobResult.job_id == job_id)):
        counts[result] = counts.get(result, 0) + 1
    return counts


def _expire_block(session: Session, _clients, timer) -> None:
    """A timed network ban ends: off the blocklist (a later ban of the same user moved the timer already).

    No unban is sent: every ban of a network ban carried its end as until_date (until_dates), so Telegram lifts
    it in each chat by itself at that moment, a call per chat would only repeat it. What changes here is Aula's
    record: in the chats where the ban ended, the person is no longer "kicked" but free to come back."""
    blocked = session.get(BlockedUser, timer.user_id)
    ended = datetime.now(UTC) + timedelta(seconds=5)
    if blocked is not None and blocked.until is not None and as_utc(blocked.until) <= ended:
        session.delete(blocked)
        session.execute(
            update(Membership)
            .where(
                Membership.user_id == timer.user_id,
                Membership.status == "kicked",
                Membership.until.is_not(None),
                Membership.until <= ended,
            )
            .values(status="left", until=None)
        )


# The timers network bans schedule, for the timers task (see timers.schedule.run).
TIMER_ACTIONS = {"network_unban": _expire_block}
