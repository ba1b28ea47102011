"""`aula jobs list` and `aula blocklist sync`."""

from __future__ import annotations

import click
from sqlalchemy import func, select

from aula_moderation.chats.models import ManagedChat
from aula_moderation.log.cli import _when
from aula_moderation.network.models import JobResult, NetworkJob
from aula_shared.cli import OperatorError, settings
from aula_shared.db import session_scope


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

    from aula_moderation.network import blocklist

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
    return [("moderation", list_jobs), ("moderation", blocklist_sync)]
