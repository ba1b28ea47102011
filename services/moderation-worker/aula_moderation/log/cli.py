"""`aula cases list`."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from sqlalchemy import select

from aula_moderation.log.models import Case
from aula_shared.cli import settings
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


def commands() -> list[tuple[str, click.Command]]:
    return [("moderation", list_cases)]
