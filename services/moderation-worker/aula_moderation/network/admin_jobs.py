"""Network jobs in the staff admin."""

from __future__ import annotations

from flask_admin.contrib.sqla.filters import (
    FilterEqual,
    IntEqualFilter,
)
from sqlalchemy import func, select

from aula_moderation import staff_lookups as lookups
from aula_moderation.network.models import JobResult, NetworkJob
from aula_moderation.staff_lookups import ReadOnlyView
from aula_shared.staff_babel import lazy_gettext

RESULTS = ("done", "not_member", "no_rights", "failed", "pending")


class JobView(ReadOnlyView):
    """/superban, /superfree (and broadcasts) carried out chat by chat: totals per result, each chat's in details."""

    person_columns = ("user_id", "issuer_id")
    column_list = ("id", "created_at", "kind", "user_id", "issuer_id", "status", *RESULTS[:4], "finished_at")
    column_details_list = ("id", "created_at", "kind", "user_id", "issuer_id", "until", "status", "finished_at")
    column_labels = {
        "id": lazy_gettext("Job"),
        "created_at": lazy_gettext("Started"),
        "user_id": lazy_gettext("User"),
        "issuer_id": lazy_gettext("Issuer"),
        "finished_at": lazy_gettext("Finished"),
        "not_member": lazy_gettext("not member"),
        "no_rights": lazy_gettext("no rights"),
    }
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
