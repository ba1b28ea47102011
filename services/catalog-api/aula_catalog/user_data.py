"""The personal data the catalog keeps: Telegram users listed as representatives or group admins, and the staff
admin's audit entries that name a person (a role granted to them, a ban, their catalog row…).

`aula users export|erase TELEGRAM_USER_ID` reach it through the Component's `user_data`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from aula_catalog.models import GroupAdmin, Representative, StaffAudit, StaffAuditPerson, TelegramUser
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
        """Rows removed (the user, their representative entries and admin listing) or emptied (audit entries)."""
        with session_scope(self._url()) as session:
            return erase_user(session, user_id)


def _audit_entries(session: Session, user_id: int) -> list[StaffAudit]:
    return list(
        session.scalars(
            select(StaffAudit)
            .join(StaffAuditPerson)
            .where(StaffAuditPerson.telegram_user_id == user_id)
            .order_by(StaffAudit.at, StaffAudit.id)
        )
    )


def export_user(session: Session, user_id: int) -> dict[str, Any]:
    exported = _export_catalog_rows(session, user_id)
    entries = _audit_entries(session, user_id)
    if entries:
        exported["staff_audit"] = [
            {
                "at": entry.at.isoformat(),
                "staff_user": entry.staff_username,
                "area": entry.area,
                "page": entry.view,
                "action": entry.action,
                "record_type": entry.model,
                "record": entry.object_id,
                "before": entry.before,
                "after": entry.after,
            }
            for entry in entries
        ]
    return exported


def _export_catalog_rows(session: Session, user_id: int) -> dict[str, Any]:
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
    """Rows removed, plus the audit entries naming the person: kept (who changed what, when) but emptied of the
    values, no longer linked to the id, and without it as the record's id (a row keyed by the person: their
    profile, their trust, their network ban…)."""
    removed = 0
    for entry in _audit_entries(session, user_id):
        entry.before = entry.after = None
        if entry.object_id == str(user_id):
            entry.object_id = None
        entry.people = [person for person in entry.people if person.telegram_user_id != user_id]
        removed += 1
    user = session.get(TelegramUser, user_id)
    if user is None:
        return removed
    removed += 1
    for row in session.scalars(select(Representative).where(Representative.user_id == user_id)):
        session.delete(row)
        removed += 1
    for row in session.scalars(select(GroupAdmin).where(GroupAdmin.user_id == user_id)):
        session.delete(row)
        removed += 1
    session.delete(user)
    return removed


user_data = CatalogUserData()
