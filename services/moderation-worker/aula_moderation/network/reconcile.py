"""The reconciler: compare what Aula intends (running restrictions and bans, network bans) with what Telegram
reports (getChatMember), and repair drift — a mute an admin lifted by hand, a blocked user let back in.

A member with restrictions running (a mute, a pending CAPTCHA, an antiflood mute) should be "restricted"; the
repair sends what all of them together allow (aula_moderation.restrictions). Each repair is committed on its own,
so no member's changes wait behind the rest of the run.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from aula_moderation import until_dates
from aula_moderation.chats.models import ManagedChat
from aula_moderation.network.models import BlockedUser
from aula_moderation.people import records as people
from aula_moderation.people.models import Membership
from aula_moderation.restrictions import service as restrictions
from aula_moderation.restrictions.models import Restriction
from aula_moderation.timers.models import Timer

log = logging.getLogger(__name__)

LIMIT = 200  # checks per run: getChatMember is cheap but not free


def _intended(session: Session) -> list[tuple[int, int, str, datetime | None]]:
    """(chat, user, status Telegram should report, until) for every member with restrictions running, every
    timed ban and every network ban."""
    now = datetime.now(UTC)
    restricted = session.execute(
        select(Restriction.chat_id, Restriction.user_id)
        .where(Restriction.until.is_(None) | (Restriction.until > now))
        .distinct()
        .order_by(Restriction.chat_id, Restriction.user_id)
        .limit(LIMIT)
    )
    wanted: list[tuple[int, int, str, datetime | None]] = [
        (chat_id, user_id, "restricted", None) for chat_id, user_id in restricted
    ]
    running = session.scalars(
        select(Timer).where(Timer.done_at.is_(None), Timer.due_at > now, Timer.kind == "unban").limit(LIMIT)
    )
    for timer in running:
        wanted.append((timer.chat_id, timer.user_id, "kicked", timer.due_at))
    blocked = select(BlockedUser.user_id)
    present = session.execute(
        select(Membership.chat_id, Membership.user_id)
        .where(Membership.user_id.in_(blocked), Membership.status.in_(people.PRESENT))
        .limit(LIMIT)
    )
    for chat_id, user_id in present:
        entry = session.get(BlockedUser, user_id)
        if entry is None or (entry.until is not None and entry.until <= now):
            continue  # lapsed: its timer lifts it
        wanted.append((chat_id, user_id, "kicked", entry.until if entry else None))
    return wanted[:LIMIT]


def run(session: Session, clients) -> dict[str, int]:
    checked = repaired = 0
    for chat_id, user_id, status, until in _intended(session):
        chat = session.get(ManagedChat, chat_id)
        if chat is None or not chat.managed:
            continue
        client = clients.for_bot(chat.bot_id)
        checked += 1
        member = client.call("getChatMember", chat_id=chat_id, user_id=user_id)
        actual = member.result.get("status") if member else None
        if actual == status or (status == "restricted" and actual == "kicked"):
            continue  # as intended; or banned meanwhile: their restrictions are sent if they come back
        if status == "restricted":
            # Sends what the member's restrictions allow now (None: they all ended meanwhile), status included.
            outcome = restrictions.reapply(session, client, chat_id, user_id)
        else:
            try:
                until_date = until_dates.until_date(until)
            except until_dates.Expired:
                continue  # ended meanwhile: nothing to repair
            outcome = client.call("banChatMember", chat_id=chat_id, user_id=user_id, until_date=until_date)
            if outcome:
                people.set_membership(session, chat_id, user_id, status, until)
        session.commit()  # one repair at a time: the member's lock (restrictions) is not held for the whole run
        if outcome:
            repaired += 1
            log.info("repaired drift", extra={"chat_id": chat_id, "user_id": user_id, "was": actual, "now": status})
    return {"checked": checked, "repaired": repaired}
