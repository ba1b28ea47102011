"""Alembic, run per component: each owns its scripts and its version table in the shared database.

A component's `env.py` is two lines calling `run_env(metadata)`; `upgrade(component, url)` applies its scripts.
"""

from __future__ import annotations

import importlib.util

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData

from aula_shared.components import Component, load
from aula_shared.db import engine_for


def _package_dir(package: str) -> str:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise LookupError(f"migrations package {package!r} not found")
    return next(iter(spec.submodule_search_locations))


def _config(component: Component, url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", _package_dir(component.migrations))
    config.set_main_option("sqlalchemy.url", url)
    config.attributes["component"] = component.name
    config.attributes["url"] = url
    return config


def upgrade(component: Component, url: str, revision: str = "head") -> None:
    command.upgrade(_config(component, url), revision)
    if component.after_upgrade:
        load(component.after_upgrade)(url)


def downgrade(component: Component, url: str, revision: str = "base") -> None:
    command.downgrade(_config(component, url), revision)


def run_env(metadata: MetaData) -> None:
    """Body of every component's env.py (online mode only: Aula always migrates a live database)."""
    config = context.config
    url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")
    component = config.attributes.get("component", "aula")
    with engine_for(url).connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            version_table=f"alembic_version_{component}",
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()
