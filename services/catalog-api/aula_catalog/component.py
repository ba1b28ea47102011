"""How the catalog plugs into the platform (see aula_shared.components)."""

from aula_shared.components import Component

component = Component(
    name="catalog",
    database="catalog",
    migrations="aula_catalog.migrations",
    commands="aula_catalog.cli:commands",
    command_groups=("catalog", "staff"),
    servers={"catalog": "aula_catalog.server:serve"},
    worker="aula_catalog.worker:create_app",
    beat_schedule="aula_catalog.worker:BEAT_SCHEDULE",
    user_data="aula_catalog.user_data:user_data",
    order=10,
)
