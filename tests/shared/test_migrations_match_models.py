"""Each component's Alembic scripts build exactly the schema its models describe (on PostgreSQL).

A model changed without a migration (or a migration that drifted from the model) is caught here, not in
production when a query meets a column that does not exist.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from aula_shared import components
from aula_shared.components import load
from aula_shared.db import engine_for

WITH_MIGRATIONS = [c for c in components.discover() if c.migrations]


def _models_metadata(component):
    """The component's metadata with every model module imported (a component with domain folders has one
    models module per domain, gathered by its `schema` module; the others have one `models` module)."""
    package = component.migrations.rsplit(".", 1)[0]  # "aula_x.migrations" → "aula_x"
    root = importlib.import_module(package)
    for module in pkgutil.walk_packages(root.__path__, f"{package}."):
        if module.name.endswith(".models"):
            importlib.import_module(module.name)
    if importlib.util.find_spec(f"{package}.schema") is not None:
        return load(f"{package}.schema:metadata")
    return load(f"{package}.models:metadata")


def _ours(metadata):
    """Compare only the component's own tables: the database holds every component's."""
    names = set(metadata.tables)

    def include(obj, name, type_, reflected, compare_to) -> bool:
        if type_ == "table":
            return name in names
        table = getattr(obj, "table", None)
        return table is None or table.name in names

    return include


@pytest.mark.parametrize("component", WITH_MIGRATIONS, ids=lambda c: c.name)
def test_migrations_build_what_the_models_describe(migrated_pg, component):
    metadata = _models_metadata(component)
    with engine_for(migrated_pg).connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": _ours(metadata), "compare_type": True})
        differences = compare_metadata(context, metadata)
    assert differences == [], f"{component.name}: models and migrations differ: {differences}"
