"""The staff admin's history: every change made through it (aula_shared.staff records them, this keeps them),
and the pages of the "staff accounts" area — the logins and their areas, the audit log."""

from __future__ import annotations

import json

from flask import Flask
from markupsafe import Markup, escape

from aula_catalog.models import StaffAudit, StaffAuditPerson, StaffUser
from aula_shared.db import session_scope
from aula_shared.staff import AuditEntry, StaffModelView, init_staff_audit
from aula_shared.staff_babel import lazy_gettext

AREA_NAMES = {
    "catalog": lazy_gettext("Catalog"),
    "moderation": lazy_gettext("Moderation"),
    "onboarding": lazy_gettext("Onboarding"),
    "statistics": lazy_gettext("Statistics"),
    "staff": lazy_gettext("Staff accounts"),
}


def init_audit(app: Flask, database_url: str) -> None:
    """Entries of every component's pages go to catalog_staff_audit, in the catalog's database."""

    def write(entry: AuditEntry) -> None:
        with session_scope(database_url) as session:
            row = StaffAudit(
                staff_user_id=entry.staff_user_id,
                staff_username=entry.staff_username,
                area=entry.area,
                view=entry.view[:128],
                action=entry.action,
                model=entry.model,
                object_id=None if entry.object_id is None else entry.object_id[:128],
                before=entry.before,
                after=entry.after,
                status=entry.status,
            )
            row.people = [StaffAuditPerson(telegram_user_id=person) for person in entry.people]
            session.add(row)

    init_staff_audit(app, write)


def _values(view, context, model, name) -> Markup:
    value = getattr(model, name)
    if value is None:
        return Markup("")
    text = json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True)
    return Markup("<pre class='staff-audit-values'>{}</pre>").format(escape(text))


def _area(view, context, model, name) -> str:
    return str(AREA_NAMES.get(model.area, model.area or ""))


class AuditView(StaffModelView):
    """The audit log, newest first; read only."""

    staff_area = "staff"
    can_create = can_edit = can_delete = False
    column_list = ("at", "staff_username", "area", "action", "view", "model", "object_id", "before", "after")
    column_details_list = (*column_list, "status")
    column_default_sort = ("at", True)
    column_searchable_list = ("staff_username", "view", "model", "object_id")
    column_filters = ("staff_username", "area", "action", "model", "at")
    column_formatters = {"before": _values, "after": _values, "area": _area}
    column_formatters_detail = column_formatters
    column_labels = {
        "at": lazy_gettext("When"),
        "staff_username": lazy_gettext("Who"),
        "area": lazy_gettext("Area"),
        "action": lazy_gettext("Action"),
        "view": lazy_gettext("Page"),
        "model": lazy_gettext("Record type"),
        "object_id": lazy_gettext("Record"),
        "before": lazy_gettext("Before"),
        "after": lazy_gettext("After"),
        "status": lazy_gettext("HTTP status"),
    }

    def __init__(self, session, **kwargs) -> None:
        super().__init__(StaffAudit, session, **kwargs)


class StaffUserView(StaffModelView):
    """The staff logins and their areas (read only: `aula staff create-user` and `aula staff set-areas`)."""

    staff_area = "staff"
    can_create = can_edit = can_delete = False
    can_view_details = False
    column_list = ("username", "active", "areas", "language", "created_at", "last_login_at")
    column_default_sort = "username"
    column_labels = {
        "username": lazy_gettext("Username"),
        "active": lazy_gettext("Active"),
        "areas": lazy_gettext("Areas"),
        "language": lazy_gettext("Language"),
        "created_at": lazy_gettext("Created"),
        "last_login_at": lazy_gettext("Last login"),
    }

    def __init__(self, session, **kwargs) -> None:
        super().__init__(StaffUser, session, **kwargs)
