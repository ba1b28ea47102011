"""The personal data the catalog keeps: Telegram users listed as representatives or group admins.

`aula users export|erase TELEGRAM_USER_ID` reach it through the Component's `user_data`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from aula_catalog.models import GroupAdmin, Representative, TelegramUser
from aula_shared.db import session_scope
from aula_shared.settings import Settings


class CatalogUserData:
    def __init__(self, settings: Settings | None = None) -> None:
        self._settings = settings

    def _url(self) -> str:
        settings = self._settings or Settings.from_env()
        return settings.database_url_for("catalog")

    def export(self, user_id: int) -> dict[str, Any]:
        with session_scope(self._url()) as session:
            return export_user(session, user_id)

    def erase(self, user_id: int) -> int:
        """Rows removed (the user, their representative entries and admin listing)."""
        with session_scope(self._url()) as session:
            return erase_user(session, user_id)


def export_user(session: Session, user_id: int) -> dict[str, Any]:
    user = session.get(TelegramUser, user_id)
    if user is None:
        return {}
    representatives = session.scalars(select(Representative).where(Representative.user_id == user_id)).all()
    admin = session.scalars(select(GroupAdmin).where(GroupAdmin.user_id == user_id)).first()
    return {
        "telegram_user": {
            "id": user.id,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "username": user.username,
        },
        "representative_of": [
            {"department": rep.department.name, "degree_name": rep.degree_name} for rep in representatives
        ],
        "group_admin": None
        if admin is None
        else {"all_degrees": admin.all_degrees, "degrees": sorted(degree.slug for degree in admin.degrees)},
    }


def erase_user(session: Session, user_id: int) -> int:
    user = session.get(TelegramUser, user_id)
    if user is None:
        return 0
    removed = 1
    for row in session.scalars(select(Representative).where(Representative.user_id == user_id)):
        session.delete(row)
        removed += 1
    for row in session.scalars(select(GroupAdmin).where(GroupAdmin.user_id == user_id)):
        session.delete(row)
        removed += 1
    session.delete(user)
    return removed


user_data = CatalogUserData()
