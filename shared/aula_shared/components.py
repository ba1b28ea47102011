"""How services plug into the platform without importing each other.

Each service package declares one `Component` under the `aula.components` entry-point group. The CLI, the
migration runner and the all-in-one launcher discover them; references are "module:attribute" strings, so
nothing of a service is imported until it is used.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any

ENTRY_POINT_GROUP = "aula.components"


def load(reference: str) -> Any:
    """Import "package.module:attribute"."""
    module_name, _, attribute = reference.partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, attribute) if attribute else module


@dataclass(frozen=True)
class Component:
    name: str
    # Which database the component owns: a key of Settings.database_url_for (None: no database).
    database: str | None = None
    # Package holding the component's Alembic scripts (env.py and versions/).
    migrations: str | None = None
    # "module:attribute" of a callable returning [(group name, click.Command)] to add to the CLI.
    commands: str | None = None
    # The groups those commands join: `aula GROUP …` loads only the components that add to GROUP (each `aula`
    # run would otherwise import every component's commands). Empty: loaded for every group.
    command_groups: tuple[str, ...] = ()
    # name -> "module:attribute" of a callable(settings) that serves in the foreground (`aula serve NAME`).
    servers: dict[str, str] = field(default_factory=dict)
    # "module:attribute" of a callable(settings) returning the component's Celery app (`aula worker NAME`).
    worker: str | None = None
    # "module:attribute" of a dict merged into the beat schedule (`aula beat`).
    beat_schedule: str | None = None
    # "module:attribute" of an object with export(user_id) -> dict and erase(user_id) -> int.
    user_data: str | None = None
    # "module:attribute" of a callable(admin, settings) adding the component's pages to the staff admin
    # (see aula_shared.staff).
    staff_views: str | None = None
    # "module:attribute" of a callable(database_url) run after the component's migrations, every time they are
    # applied (`aula db upgrade`): what a migration may undo and must hold after each one (e.g. grants).
    after_upgrade: str | None = None
    # Order of migrations and start-up; lower first.
    order: int = 50


def discover() -> list[Component]:
    found = [ep.load() for ep in entry_points(group=ENTRY_POINT_GROUP)]
    return sorted(found, key=lambda c: (c.order, c.name))


def by_name(name: str) -> Component:
    for component in discover():
        if component.name == name:
            return component
    raise LookupError(name)


def servers() -> Iterator[tuple[str, str]]:
    for component in discover():
        yield from component.servers.items()
