"""Network-wide trust (MozIta's ladder): unknown (no row) → probation (rules accepted) → verified.

Shared by every managed group: verified in one is verified in all. Blocked is not a level here: it is a network
ban (aula_moderation.network), enforced on sight by moderation's people handlers.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from aula_moderation.onboarding.common import is_staff_anywhere, now, utc
from aula_moderation.onboarding.models import Trust
from aula_shared.db import insert_for

UNKNOWN, PROBATION, VERIFIED = "unknown", "probation", "verified"


def level(session: Session, user_id: int) -> str:
    if is_staff_anywhere(session, user_id):
        return VERIFIED
    row = session.get(Trust, user_id)
    return row.level if row is not None else UNKNOWN


def accept_rules(session: Session, user_id: int) -> Trust:
    """Accepting the rules (a button, a solved CAPTCHA) puts an unknown user on probation; never demotes."""
    statement = insert_for(session, Trust).values(
        user_id=user_id, level=PROBATION, accepted_at=now(), clean_messages=0, updated_at=now()
    )
    # Two chats accepting the same user at once: one row, whoever inserts first.
    session.execute(statement.on_conflict_do_nothing(index_elements=["user_id"]))
    return session.get(Trust, user_id, populate_existing=True)


def verify(session: Session, user_id: int, by: int | None) -> bool:
    """True if this made the user verified (False when they already were)."""
    row = session.get(Trust, user_id) or accept_rules(session, user_id)
    if row.level == VERIFIED:
        return False
    row.level, row.verified_at, row.verified_by = VERIFIED, now(), by
    return True


def seconds_until_confirmable(row: Trust, minimum: float) -> int:
    if row.accepted_at is None:
        return 0
    left = (utc(row.accepted_at) + timedelta(seconds=minimum) - now()).total_seconds()
    return max(0, int(left + 0.999))


def count_clean_message(session: Session, user_id: int, config: dict) -> bool:
    """A kept message on probation; True when it verified the user (enough messages or days)."""
    row = session.get(Trust, user_id, with_for_update=True)  # two chats' messages at once: no count lost
    if row is None or row.level != PROBATION:
        return False
    row.clean_messages += 1
    enough_messages = config["verify_after_messages"] and row.clean_messages >= config["verify_after_messages"]
    enough_days = (
        config["verify_after_days"]
        and row.accepted_at is not None
        and now() - utc(row.accepted_at) >= timedelta(days=config["verify_after_days"])
    )
    if enough_messages or enough_days:
        return verify(session, user_id, None)
    return False
