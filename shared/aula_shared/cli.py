"""The operator CLI, `aula`.

The platform's own commands live here; each service adds its commands through its Component
(see components.py), so the CLI never imports a service it does not run.
"""

from __future__ import annotations

import sys

import click

from aula_shared import components
from aula_shared.settings import Settings, SettingsError

# Groups every component may add commands to; a component may also add a new top-level group.
GROUPS = ("db", "bots", "groups", "roles", "catalog", "staff")


class OperatorError(click.ClickException):
    """An error reported to the operator as one line, exit status 1."""


def settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as error:
        raise OperatorError(str(error)) from None


@click.group()
def aula() -> None:
    """Aula's operator CLI."""


@aula.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply every component's migrations (idempotent)."""
    from aula_shared import migrations

    config = settings()
    for component in components.discover():
        if component.migrations:
            migrations.upgrade(component, config.database_url_for(component.database or "platform"))
            click.echo(f"{component.name}: up to date")


@aula.command("serve")
@click.argument("name")
def serve(name: str) -> None:
    """Run one HTTP service in the foreground: gateway, catalog or simulator."""
    available = dict(components.servers())
    if name not in available:
        raise click.BadParameter(f"unknown service {name!r}; one of: {', '.join(sorted(available))}")
    components.load(available[name])(settings())


@aula.command("worker", context_settings={"ignore_unknown_options": True})
@click.argument("name")
@click.argument("celery_args", nargs=-1, type=click.UNPROCESSED)
def worker(name: str, celery_args: tuple[str, ...]) -> None:
    """Run one Celery worker in the foreground: moderation or stats (extra arguments go to Celery)."""
    workers = {c.name: c.worker for c in components.discover() if c.worker}
    if name not in workers:
        raise click.BadParameter(f"unknown worker {name!r}; one of: {', '.join(sorted(workers))}")
    app = components.load(workers[name])(settings())
    app.worker_main(["worker", *celery_args])


@aula.command("ping")
@click.argument("name")
def ping(name: str) -> None:
    """Health check: exit 0 if the NAME worker on this host answers within 5 s."""
    import socket

    workers = {c.name: c.worker for c in components.discover() if c.worker}
    if name not in workers:
        raise click.BadParameter(f"unknown worker {name!r}; one of: {', '.join(sorted(workers))}")
    app = components.load(workers[name])(settings())
    replies = app.control.ping(timeout=5)
    host = socket.gethostname()
    if not any(host in node for reply in replies for node in reply):
        raise OperatorError(f"no {name} worker answered on {host}")
    click.echo(f"{name} worker on {host} is alive")


@aula.command("beat")
def beat() -> None:
    """Run the periodic-task scheduler of every component."""
    from aula_shared.celery import beat_app

    try:
        app = beat_app(settings())
    except SettingsError as error:
        raise OperatorError(str(error)) from None
    app.start(["beat", "--loglevel", "INFO"])


@aula.group()
def users() -> None:
    """A person's data, everywhere Aula keeps it (every component's user_data)."""


def _user_id(value: int) -> int:
    if value <= 0:
        raise click.BadParameter("a Telegram user id is a positive integer", param_hint="TELEGRAM_USER_ID")
    return value


@users.command("export")
@click.argument("telegram_user_id", type=int)
def users_export(telegram_user_id: int) -> None:
    """Print as JSON what every component keeps about a Telegram user."""
    import json

    from aula_shared import users as user_data

    settings()  # a bad environment is one line, before any component is asked
    exported = user_data.export_user(_user_id(telegram_user_id))
    click.echo(json.dumps(exported, ensure_ascii=False, indent=2, default=str))


@users.command("erase")
@click.argument("telegram_user_id", type=int)
def users_erase(telegram_user_id: int) -> None:
    """Erase a Telegram user everywhere Aula keeps them (idempotent: run again after a failure)."""
    from aula_shared import users as user_data

    settings()
    removed = user_data.erase_user(_user_id(telegram_user_id))
    for name, rows in removed.items():
        click.echo(f"{name}: {rows} rows erased")
    click.echo(f"user {telegram_user_id} erased ({sum(removed.values())} rows)")


@aula.command("run")
def run() -> None:
    """Run the whole platform in the foreground (what `make run` does)."""
    from aula_shared.launcher import run_platform

    run_platform(settings())


def _install_component_commands(wanted: str | None = None) -> None:
    """Every component's commands, or only those of the components that add to the group `wanted` (what one run
    needs)."""
    for name in GROUPS:
        if name not in aula.commands:
            aula.add_command(click.Group(name, help=f"{name.capitalize()} commands."))
    for component in components.discover():
        if not component.commands:
            continue
        if wanted is not None and component.command_groups and wanted not in component.command_groups:
            continue
        for group_name, command in components.load(component.commands)():
            group = aula.commands.get(group_name)
            if group is None:
                group = click.Group(group_name)
                aula.add_command(group)
            group.add_command(command)


def main(argv: list[str] | None = None) -> int:
    """Entry point: every failure is one line on stderr and a non-zero status."""
    args = sys.argv[1:] if argv is None else argv
    # Services start without importing every component's CLI module: only operator commands need them.
    if not args or args[0].startswith("-"):
        _install_component_commands()  # `aula`, `aula --help`: the whole list
    elif args[0] not in aula.commands:
        _install_component_commands(args[0])
    try:
        aula.main(args=args, prog_name="aula", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aula: aborted", err=True)
        return 1
    except click.exceptions.Exit as done:
        return done.exit_code
    except click.UsageError as error:
        click.echo(f"aula: {error.format_message()}", err=True)
        return 2
    except click.ClickException as error:
        click.echo(f"aula: {error.format_message()}", err=True)
        return error.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
