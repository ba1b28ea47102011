"""Aula stats service."""

from aula_shared.components import Component

component = Component(
    name="stats",
    database="stats",
    migrations="aula_stats.migrations",
    commands="aula_stats.cli:commands",
    command_groups=("stats",),
    worker="aula_stats.worker:create_app",
    beat_schedule="aula_stats.worker:BEAT_SCHEDULE",
    user_data="aula_stats.user_data:user_data",
    staff_views="aula_stats.admin:add_views",
    after_upgrade="aula_stats.analysts:apply_analyst_grants",  # a migration recreating a view drops its grants
    order=40,
)
