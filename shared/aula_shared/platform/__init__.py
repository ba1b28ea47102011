"""The platform component: what belongs to no single service — the registry of bots."""

from aula_shared.components import Component

component = Component(
    name="platform",
    database="platform",
    migrations="aula_shared.platform.migrations",
    commands="aula_shared.platform.cli:commands",
    command_groups=("bots",),
    order=0,
)
