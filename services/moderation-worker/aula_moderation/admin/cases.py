"""The moderation log and the network jobs in the staff admin, read-only (what `aula moderation cases|jobs`
prints): cases are written by the worker only, as evidence of what happened."""

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
from sqlalchemy import func, select

from aula_moderation.admin import lookups
from aula_moderation.models import Case, JobResult, NetworkJob
from aula_moderation.modlog import EVENTS
from aula_shared.staff import StaffModelView

RESULTS = ("done", "not_member", "no_rights", "failed", "pending")


class ReadOnlyView(lookups.NamesShown, StaffModelView):
    can_create = can_edit = can_delete = False
    named_filter_urls = True


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
        "created_at": "Time",
        "event": "Action",
        "chat_id": "Chat",
        "issuer_id": "Issuer",
        "target_id": "Target",
        "network": "Scope",
        "job_id": "Network job",
        "id": "Case",
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


class JobView(ReadOnlyView):
    """/superban, /superfree (and broadcasts) carried out chat by chat: totals per result, each chat's in details."""

    person_columns = ("user_id", "issuer_id")
    column_list = ("id", "created_at", "kind", "user_id", "issuer_id", "status", *RESULTS[:4], "finished_at")
    column_details_list = ("id", "created_at", "kind", "user_id", "issuer_id", "until", "status", "finished_at")
    column_labels = {"id": "Job", "created_at": "Started", "user_id": "User", "issuer_id": "Issuer",
                     "finished_at": "Finished", "not_member": "not member", "no_rights": "no rights"}  # fmt: skip
    column_sortable_list = ("id", "created_at", "kind", "status")
    column_default_sort = ("id", True)
    column_formatters = {
        "created_at": lookups.when_cell,
        "finished_at": lookups.when_cell,
        "until": lookups.when_cell,
        "user_id": lookups.person_cell,
        "issuer_id": lookups.person_cell,
        **{result: (lambda _v, _c, model, name: model.totals.get(name, 0)) for result in RESULTS},
    }
    details_template = "moderation_admin/job_details.html"
    results_shown = RESULTS

    def __init__(self, session, **kwargs) -> None:
        self.column_filters = [
            FilterEqual(NetworkJob.kind, "Kind", options=[(k, k) for k in ("superban", "superfree", "broadcast")]),
            FilterEqual(NetworkJob.status, "Status", options=[(s, s) for s in ("running", "done", "draft")]),
            IntEqualFilter(NetworkJob.user_id, "User id"),
            lookups.PersonNameFilter(NetworkJob.user_id, "User"),
        ]
        super().__init__(NetworkJob, session, **kwargs)

    def get_list(self, *args, **kwargs):
        count, jobs = super().get_list(*args, **kwargs)
        if kwargs.get("execute") is False:
            return count, jobs
        totals = self.totals([job.id for job in jobs])
        for job in jobs:
            job.totals = totals.get(job.id, {})  # a plain attribute for this page, not a column
        return count, jobs

    def totals(self, job_ids: list[int]) -> dict[int, dict[str, int]]:
        """{job: {result: chats}} for the jobs, in one query."""
        rows = self.session.execute(
            select(JobResult.job_id, JobResult.result, func.count())
            .where(JobResult.job_id.in_(job_ids))
            .group_by(JobResult.job_id, JobResult.result)
        )
        totals: dict[int, dict[str, int]] = {}
        for job_id, result, count in rows:
            totals.setdefault(job_id, {})[result] = count
        return totals

    def chat_results(self, job: NetworkJob) -> list[tuple[JobResult, str]]:
        """The job's per-chat results with each chat's name (for the details page)."""
        results = list(job.results)
        lookups.prefetch(self.session, set(), {result.chat_id for result in results})
        return [(result, lookups.chat(self.session, result.chat_id)) for result in results]

    def when(self, moment) -> str:
        return lookups.when(moment)
