from aula_shared.components import Component

component = Component(
    name="stats",
    database="stats",
    migrations="aula_stats.migrations",
    worker="aula_stats.worker:create_app",
    beat_schedule="aula_stats.worker:BEAT_SCHEDULE",
    order=40,
)
