"""Cases in the staff admin: filters, search, evidence shown escaped."""

from __future__ import annotations

from flask import url_for
from flask_admin.contrib.sqla.filters import (
    BooleanEqualFilter,
    DateTimeBetweenFilter,
    DateTimeGreaterFilter,
    DateTimeSmallerFilter,
    FilterEqual,
    IntEqualFilter,
)
from markupsafe import Markup

from aula_moderation import staff_lookups as lookups
from aula_moderation.log.log_chat import EVENTS
from aula_moderation.log.models import Case
from aula_moderation.staff_lookups import ReadOnlyView
from aula_shared.staff_babel import lazy_gettext


def _short(text: str | None, width: int = 80) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _event_cell(_view, _context, model: Case, _name) -> str:
    return f"{EVENTS.get(model.event, '•')} {model.event}"


def _scope_cell(_view, _context, model: Case, _name) -> str:
    return "network" if model.network else "chat"


def _job_cell(view, _context, model: Case, _name) -> Markup | str:
    if not model.job_id:
        return ""
    return Markup('<a href="{}">job {}</a>').format(
        url_for("moderation_jobs.details_view", id=model.job_id), model.job_id
    )


class CaseView(ReadOnlyView):
    """Every moderation event: who did what to whom, where, why, until when, with the evidence."""

    person_columns = ("target_id", "issuer_id")
    chat_columns = ("chat_id",)
    column_list = ("created_at", "event", "chat_id", "issuer_id", "target_id", "reason", "until", "network", "evidence")
    column_details_list = (*column_list, "message_deleted", "starred", "evidence_message_id", "job_id", "id")
    column_labels = {
        "created_at": lazy_gettext("Time"),
        "event": lazy_gettext("Action"),
        "chat_id": lazy_gettext("Chat"),
        "issuer_id": lazy_gettext("Issuer"),
        "target_id": lazy_gettext("Target"),
        "network": lazy_gettext("Scope"),
        "job_id": lazy_gettext("Network job"),
        "id": lazy_gettext("Case"),
    }
    column_sortable_list = ("created_at", "event", "chat_id", "target_id")
    column_default_sort = ("id", True)
    column_searchable_list = ("reason", "evidence")
    column_formatters = {
        "created_at": lookups.when_cell,
        "until": lookups.when_cell,
        "event": _event_cell,
        "chat_id": lookups.chat_cell,
        "issuer_id": lookups.person_cell,
        "target_id": lookups.person_cell,
        "network": _scope_cell,
        "reason": lambda _v, _c, model, _n: _short(model.reason, 60),
        "evidence": lambda _v, _c, model, _n: _short(model.evidence),
        "job_id": _job_cell,
    }
    # The details page shows the whole texts.
    column_formatters_detail = {
        **column_formatters,
        "reason": lambda _v, _c, model, _n: model.reason or "",
        "evidence": lambda _v, _c, model, _n: model.evidence or "",
    }

    def __init__(self, session, **kwargs) -> None:
        self.column_filters = [
            FilterEqual(Case.event, "Action", options=[(event, event) for event in EVENTS]),
            IntEqualFilter(Case.chat_id, "Chat id"),
            lookups.ChatTitleFilter(Case.chat_id, "Chat"),
            IntEqualFilter(Case.target_id, "Target id"),
            lookups.PersonNameFilter(Case.target_id, "Target"),
            IntEqualFilter(Case.issuer_id, "Issuer id"),
            BooleanEqualFilter(Case.network, "Network scope"),
            lookups.DayFilter(Case.created_at, "Day (UTC)"),
            DateTimeBetweenFilter(Case.created_at, "Time"),
            DateTimeGreaterFilter(Case.created_at, "Time"),
            DateTimeSmallerFilter(Case.created_at, "Time"),
        ]
        super().__init__(Case, session, **kwargs)
