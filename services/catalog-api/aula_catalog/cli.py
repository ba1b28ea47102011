"""The catalog's operator commands: `aula catalog import-*` and `aula staff create-user|list|remove`."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import click

from aula_shared.cli import OperatorError, settings
from aula_shared.i18n import FALLBACK, LANGUAGES

USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
MIN_PASSWORD_LENGTH = 12
# The staff admin's areas (aula_shared.staff.AREAS, which this module does not import: it needs Flask-Admin).
AREA_NAMES = ("catalog", "moderation", "onboarding", "statistics", "staff")


def _run_import(kind: str, path: Path, dry_run: bool, **options) -> None:
    from aula_catalog.importers import ImportFailed, run_import

    url = settings().database_url_for("catalog")
    try:
        report = run_import(url, kind, path, dry_run=dry_run, **options)
    except ImportFailed as error:
        raise OperatorError(f"{path}: {error} (nothing was imported)") from None
    for line in report.lines():
        click.echo(line)
    if dry_run:
        click.echo("dry run: nothing was written")


_file = click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
_dry_run = click.option("--dry-run", is_flag=True, help="Report what would change, write nothing.")


@click.command("import-legacy")
@_file
@click.option(
    "--category",
    type=click.Choice(["u", "a", "s"]),
    help="Featured-group files: u university, a announcements, s student associations (default: from the name).",
)
@click.option("--degree", "degree", metavar="SLUG", help="Course-list files: the degree they belong to.")
@_dry_run
def import_legacy(file: Path, category: str | None, degree: str | None, dry_run: bool) -> None:
    """Import one of the website's legacy JSON files (Data.json and friends). Idempotent."""
    _run_import("legacy", file, dry_run, category=category, degree=degree)


@click.command("import-degrees")
@_file
@_dry_run
def import_degrees(file: Path, dry_run: bool) -> None:
    """Import the unimi-scraper's degree list. Idempotent."""
    _run_import("degrees", file, dry_run)


@click.command("import-courses")
@_file
@_dry_run
def import_courses(file: Path, dry_run: bool) -> None:
    """Import the unimi-scraper's course list. Idempotent."""
    _run_import("courses", file, dry_run)


@click.command("create-user")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
@click.option("--update", is_flag=True, help="Set a new password if the user exists.")
@click.option(
    "--language",
    type=click.Choice(LANGUAGES),
    help=f"The staff admin's language for this login (new ones: {FALLBACK}); each member can switch it in the menu.",
)
@click.option(
    "--areas",
    metavar="AREAS",
    help=f"The parts of the admin it may open: all, or comma-separated of {', '.join(AREA_NAMES)} "
    "(new logins: all; with --update, unchanged unless given).",
)
def create_user(username: str, password_stdin: bool, update: bool, language: str, areas: str | None) -> None:
    """Create a staff-admin login (password from a prompt, or --password-stdin)."""
    from aula_catalog.admin.auth import StaffUserExists, create_staff_user

    if not USERNAME.match(username):
        raise OperatorError("username must be 1 to 64 letters, digits or . _ - @")
    chosen = None if areas is None else _areas(areas)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise OperatorError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    try:
        url = settings().database_url_for("catalog")
        created = create_staff_user(url, username, password, update=update, language=language, areas=chosen)
    except StaffUserExists:
        hint = "pass --update to give it a new password"
        raise OperatorError(f"staff user {username!r} exists; {hint}") from None
    click.echo(f"staff user {username} {'created' if created else 'updated'}")


def _areas(text: str) -> tuple[str, ...]:
    from aula_shared.staff import parse_areas

    try:
        return parse_areas(text)
    except ValueError as error:
        raise OperatorError(str(error)) from None


@click.command("set-areas")
@click.argument("username")
@click.argument("areas")
def set_areas(username: str, areas: str) -> None:
    """Give a staff login exactly AREAS: all, or comma-separated of catalog, moderation, onboarding, statistics,
    staff (staff: the logins and the audit log). Takes effect at the login's next page."""
    from aula_catalog.admin.auth import StaffUserMissing, set_staff_areas

    chosen = _areas(areas)
    try:
        before = set_staff_areas(settings().database_url_for("catalog"), username, chosen)
    except StaffUserMissing:
        raise OperatorError(f"no staff user {username!r}") from None
    click.echo(f"staff user {username}: {','.join(before) or '(none)'} -> {','.join(chosen)}")


@click.command("list")
def list_users() -> None:
    """The staff logins: username, language, areas, last login (and `inactive` for a disabled one)."""
    from sqlalchemy import select

    from aula_catalog.models import StaffUser
    from aula_shared.db import session_scope

    with session_scope(settings().database_url_for("catalog")) as session:
        logins = session.scalars(select(StaffUser).order_by(StaffUser.username))
        rows = [(u.username, u.language, u.areas, u.last_login_at, u.active) for u in logins]
    if not rows:
        click.echo("no staff users; add one with `aula staff create-user USERNAME`")
    for username, language, areas, last_login, active in rows:
        seen = last_login.strftime("%Y-%m-%d %H:%M UTC") if last_login else "never logged in"
        click.echo(f"{username}\t{language}\t{areas}\t{seen}{'' if active else chr(9) + 'inactive'}")


@click.command("remove")
@click.argument("username")
def remove_user(username: str) -> None:
    """Delete a staff-admin login; its open sessions end at their next request."""
    from sqlalchemy import delete

    from aula_catalog.models import StaffUser
    from aula_shared.db import session_scope

    with session_scope(settings().database_url_for("catalog")) as session:
        removed = session.execute(delete(StaffUser).where(StaffUser.username == username)).rowcount
    if not removed:
        raise OperatorError(f"no staff user {username!r}; see `aula staff list`")
    click.echo(f"staff user {username} removed")


def commands() -> list[tuple[str, click.Command]]:
    return [
        ("catalog", import_legacy),
        ("catalog", import_degrees),
        ("catalog", import_courses),
        ("staff", create_user),
        ("staff", set_areas),
        ("staff", list_users),
        ("staff", remove_user),
    ]
