"""A person's data in the stats database: `aula users export|erase TELEGRAM_USER_ID` (through user_data).

Erasure removes the person's profile, profile history, memberships and tracked-profile history under any of
their usernames; their message counts in groups are folded into the anonymous per-chat totals, so that the
chats' activity stays right while nothing says who wrote; what older versions counted of their private chat with
the bot (whose id is theirs) is deleted, totals included; moderation actions against them lose their target (the
daily counts stay).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from aula_shared.users import DatabaseUserData
from aula_stats.models import (
    ChatDay,
    Membership,
    MessageCount,
    ModerationAction,
    ProfileChange,
    ProfileObservation,
    TelegramUser,
    TrackedProfile,
)
from aula_stats.retention import fold_into_chat_days


class StatsUserData(DatabaseUserData):
    def __init__(self, database_url: str | None = None) -> None:
        super().__init__("stats", export_user, erase_user, database_url)


def export_user(session: Session, user_id: int) -> dict[str, Any]:
    user = session.get(TelegramUser, user_id)
    history = session.scalars(
        select(ProfileChange).where(ProfileChange.user_id == user_id).order_by(ProfileChange.seen_at)
    ).all()
    memberships = session.scalars(select(Membership).where(Membership.user_id == user_id)).all()
    counts = session.scalars(
        select(MessageCount).where(MessageCount.user_id == user_id).order_by(MessageCount.day, MessageCount.chat_id)
    ).all()
    actions = session.scalars(
        select(ModerationAction).where(ModerationAction.target_user_id == user_id).order_by(ModerationAction.case_id)
    ).all()
    tracked = _tracked_profiles(session, user, history)
    if user is None and not (history or memberships or counts or actions or tracked):
        return {}
    return {
        "user": None
        if user is None
        else {
            "id": user.id,
            "is_bot": user.is_bot,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "username": user.username,
            "language_code": user.language_code,
            "is_premium": user.is_premium,
            "first_seen": user.first_seen.isoformat(),
            "last_seen": user.last_seen.isoformat(),
        },
        "profile_history": [
            {
                "seen_at": h.seen_at.isoformat(),
                "first_name": h.first_name,
                "last_name": h.last_name,
                "username": h.username,
            }
            for h in history
        ],
        "memberships": [
            {
                "chat_id": m.chat_id,
                "status": m.status,
                "status_since": m.status_since.isoformat(),
                "last_seen": m.last_seen.isoformat(),
            }
            for m in memberships
        ],
        "message_counts": [{"day": c.day.isoformat(), "chat_id": c.chat_id, "messages": c.messages} for c in counts],
        "moderation_actions_received": [
            {"case_id": a.case_id, "at": a.occurred_at.isoformat(), "chat_id": a.chat_id, "action": a.action}
            for a in actions
        ],
        "tracked_public_profile": [
            {
                "username": profile.username,
                "history": [
                    {"observed_at": o.observed_at.isoformat(), "name": o.name, "bio": o.bio}
                    for o in session.scalars(
                        select(ProfileObservation)
                        .where(ProfileObservation.profile_id == profile.id)
                        .order_by(ProfileObservation.observed_at)
                    )
                ],
            }
            for profile in tracked
        ],
    }


def erase_user(session: Session, user_id: int) -> int:
    """Rows removed (per-user counts folded into per-chat totals count as removed)."""
    user = session.get(TelegramUser, user_id)
    history = session.scalars(select(ProfileChange).where(ProfileChange.user_id == user_id)).all()
    removed = 0
    for profile in _tracked_profiles(session, user, history):
        removed += session.execute(
            delete(ProfileObservation).where(ProfileObservation.profile_id == profile.id)
        ).rowcount
        session.delete(profile)
        removed += 1
    removed += fold_into_chat_days(session, or_(MessageCount.user_id == user_id, MessageCount.chat_id == user_id))
    # Their private chat with the bot (its id is theirs), as older versions counted it and retention rolled it up.
    removed += session.execute(delete(ChatDay).where(ChatDay.chat_id == user_id)).rowcount
    removed += session.execute(delete(ProfileChange).where(ProfileChange.user_id == user_id)).rowcount
    removed += session.execute(delete(Membership).where(Membership.user_id == user_id)).rowcount
    removed += session.execute(
        update(ModerationAction).where(ModerationAction.target_user_id == user_id).values(target_user_id=None)
    ).rowcount
    if user is not None:
        session.delete(user)
        removed += 1
    return removed


def _tracked_profiles(session: Session, user: TelegramUser | None, history) -> list[TrackedProfile]:
    usernames = {h.username.lower() for h in history if h.username}
    if user is not None and user.username:
        usernames.add(user.username.lower())
    if not usernames:
        return []
    return list(
        session.scalars(select(TrackedProfile).where(or_(*(TrackedProfile.username == name for name in usernames))))
    )


user_data = StatsUserData()
