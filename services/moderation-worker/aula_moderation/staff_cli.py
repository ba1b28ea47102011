"""Staff views on the command line: `aula moderation cases …`, `aula moderation jobs [JOB_ID]`, and
`aula moderation blocklist-sync` (fetch the external blocklist now instead of waiting for the daily task).

Readable, tab-separated rows, newest first; times in UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime

import click
from sqlalchemy import func, select

from aula_moderation.models import Case, JobResult, ManagedChat, NetworkJob
from aula_shared.cli import OperatorError, settings
from aula_shared.db import session_scope


def _when(moment: datetime | None) -> str:
    return "—" if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def _short(text: str | None, width: int = 60) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= width else text[: width - 1] + "…"


@click.command("cases", context_settings={"ignore_unknown_options": True})
@click.option("--chat", "chat_id", type=int, help="Only cases in this chat.")
@click.option("--user", "user_id", type=int, help="Only cases naming this user (as target or issuer).")
@click.option("--event", help="Only this event, e.g. MODERATION_BAN.")
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True)
def list_cases(chat_id: int | None, user_id: int | None, event: str | None, limit: int) -> None:
    """The moderation log: who did what to whom, where, why, until when."""
    with session_scope(settings().database_url_for("moderation")) as session:
        query = select(Case).order_by(Case.id.desc()).limit(limit)
        if chat_id is not None:
            query = query.where(Case.chat_id == chat_id)
        if user_id is not None:
            query = query.where((Case.target_id == user_id) | (Case.issuer_id == user_id))
        if event:
            query = query.where(Case.event == event.upper())
        click.echo("case\twhen (UTC)\tevent\tchat\ttarget\tissuer\tuntil\treason\tevidence")
        for case in session.scalars(query):
            where = "network" if case.network else str(case.chat_id)
            job = f" (job {case.job_id})" if case.job_id else ""
            click.echo(
                f"{case.id}\t{_when(case.created_at)}\t{case.event}{job}\t{where}\t{case.target_id or '—'}\t"
                f"{case.issuer_id or '—'}\t{_when(case.until)}\t{_short(case.reason, 40) or '—'}\t"
                f"{_short(case.evidence) or '—'}"
            )


@click.command("jobs")
@click.argument("job_id", type=int, required=False)
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
def list_jobs(job_id: int | None, limit: int) -> None:
    """Network-ban jobs with their per-chat results (one job's chats in detail with JOB_ID)."""
    with session_scope(settings().database_url_for("moderation")) as session:
        if job_id is None:
            click.echo("job\tstarted (UTC)\tkind\tuser\tissuer\tstatus\tresults")
            for job in session.scalars(select(NetworkJob).order_by(NetworkJob.id.desc()).limit(limit)):
                click.echo(
                    f"{job.id}\t{_when(job.created_at)}\t{job.kind}\t{job.user_id}\t{job.issuer_id or '—'}\t"
                    f"{job.status}\t{_counts(session, job.id)}"
                )
            return
        job = session.get(NetworkJob, job_id)
        if job is None:
            raise OperatorError(f"no network job {job_id}")
        click.echo(
            f"job {job.id}: {job.kind} of {job.user_id} by {job.issuer_id or '—'}, {job.status}; "
            f"started {_when(job.created_at)}, finished {_when(job.finished_at)}, until {_when(job.until)}"
        )
        click.echo(f"results: {_counts(session, job.id)}")
        titles = dict(
            session.execute(
                select(ManagedChat.id, ManagedChat.title).where(
                    ManagedChat.id.in_(select(JobResult.chat_id).where(JobResult.job_id == job.id))
                )
            ).all()
        )
        click.echo("chat\ttitle\tresult\tdetail")
        for result in job.results:
            click.echo(f"{result.chat_id}\t{titles.get(result.chat_id) or '—'}\t{result.result}\t{result.detail or ''}")


def _counts(session, job_id: int) -> str:
    rows = session.execute(
        select(JobResult.result, func.count()).where(JobResult.job_id == job_id).group_by(JobResult.result)
    ).all()
    return ", ".join(f"{result} {count}" for result, count in sorted(rows)) or "no chats"


@click.command("blocklist-sync")
@click.option("--url", help="Fetch this URL instead of BLOCKLIST_URL.")
def blocklist_sync(url: str | None) -> None:
    """Replace the external blocklist entries with what BLOCKLIST_URL lists now."""
    import httpx

    from aula_moderation import blocklist

    url = url or blocklist.url_from_env()
    if url is None:
        raise OperatorError("no BLOCKLIST_URL set and no --url given")
    try:
        ids = blocklist.fetch(url)
    except (httpx.HTTPError, blocklist.BadBlocklist) as error:
        raise OperatorError(f"blocklist not fetched: {error}") from None
    with session_scope(settings().database_url_for("moderation")) as session:
        counts = blocklist.replace_external(session, ids)
    click.echo(f"external blocklist: {counts['listed']} listed, {counts['added']} added, {counts['removed']} removed")


def commands() -> list[tuple[str, click.Command]]:
    return [("moderation", list_cases), ("moderation", list_jobs), ("moderation", blocklist_sync)]
