"""`aula stats …`: analysts' role and CSV exports, tracked public profiles, a group sync on demand."""

from __future__ import annotations

import sys
from datetime import date

import click

from aula_shared.cli import OperatorError, settings


def _url() -> str:
    return settings().database_url_for("stats")


@click.group("stats")
def stats() -> None:
    """Statistics: analysts' access, exports, tracked profiles."""


@stats.command("create-analyst-role")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_analyst_role(name: str, password_stdin: bool) -> None:
    """Create a read-only PostgreSQL login NAME for the documented stats views (PostgreSQL only)."""
    from aula_stats.analysts import AnalystError
    from aula_stats.analysts import create_analyst_role as create

    url = _url()
    if not url.startswith("postgres"):  # before asking for a password that cannot be used
        raise OperatorError("analyst roles need PostgreSQL; the embedded SQLite database has no roles")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        created = create(url, name, password)
    except AnalystError as error:
        raise OperatorError(str(error)) from None
    click.echo(f"{'created' if created else 'updated'} read-only role {name}")


@stats.command("export")
@click.argument("view")
@click.option("--from", "since", type=click.DateTime(["%Y-%m-%d"]), help="First day (YYYY-MM-DD).")
@click.option("--to", "until", type=click.DateTime(["%Y-%m-%d"]), help="Last day, included.")
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="CSV file (default: standard output).")
def export(view: str, since, until, output: str | None) -> None:
    """Export a view (e.g. daily_chat_activity) as CSV, optionally for a date range."""
    from aula_stats.analysts import AnalystError, export_csv, export_csv_file

    first: date | None = since.date() if since else None
    last: date | None = until.date() if until else None
    try:
        if output:
            rows = export_csv_file(_url(), view, output, first, last)
            click.echo(f"{rows} rows written to {output}", err=True)
        else:
            export_csv(_url(), view, sys.stdout, first, last)
    except AnalystError as error:
        raise OperatorError(str(error)) from None


@stats.command("track")
@click.argument("username")
def track(username: str) -> None:
    """Follow a person's public profile: its t.me name and bio are stored when they change."""
    import httpx

    from aula_stats.config import StatsConfig
    from aula_stats.profiles import NotAUser, ProfileTracker

    config = StatsConfig.from_env()
    tracker = ProfileTracker(_url(), config.tme_url, config.profile_interval, config.blank_grace)
    try:
        profile, created = tracker.track(username)
    except (ValueError, NotAUser) as error:
        raise OperatorError(str(error)) from None
    except httpx.HTTPError as error:
        raise OperatorError(f"cannot read t.me: {type(error).__name__}") from None
    click.echo(f"{'tracking' if created else 'already tracking'} @{profile.username}")


@stats.command("untrack")
@click.argument("username")
def untrack(username: str) -> None:
    """Stop reading a tracked profile (its history is kept)."""
    from sqlalchemy import update

    from aula_shared.db import session_scope
    from aula_stats.models import TrackedProfile
    from aula_stats.profiles import normalise_username

    try:
        name = normalise_username(username)
    except ValueError as error:
        raise OperatorError(str(error)) from None
    with session_scope(_url()) as session:
        changed = session.execute(
            update(TrackedProfile).where(TrackedProfile.username == name).values(monitored=False)
        ).rowcount
    if not changed:
        raise OperatorError(f"@{name} is not tracked")
    click.echo(f"stopped tracking @{name}")


@stats.command("profile-history")
@click.argument("username")
def profile_history(username: str) -> None:
    """A tracked profile's names and bios, oldest first."""
    from aula_stats.profiles import history

    try:
        entries = history(_url(), username)
    except ValueError as error:
        raise OperatorError(str(error)) from None
    if not entries:
        raise OperatorError(f"no history for {username}")
    for observed_at, name, bio in entries:
        shown = bio.replace("\n", " / ") if bio else "(no bio)"
        click.echo(f"{observed_at:%Y-%m-%d %H:%M} {name or '(blank)'}: {shown}")


def commands() -> list[tuple[str, click.Command]]:
    return [("stats", command) for command in stats.commands.values()]
