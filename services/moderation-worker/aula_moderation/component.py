from aula_shared.components import Component

component = Component(
    name="moderation",
    database="moderation",
    migrations="aula_moderation.migrations",
    commands="aula_moderation.cli:commands",
    command_groups=("groups", "moderation", "onboarding", "roles", "settings"),
    worker="aula_moderation.worker:create_app",
    beat_schedule="aula_moderation.worker:BEAT_SCHEDULE",
    user_data="aula_moderation.user_data:user_data",
    staff_views="aula_moderation.staff:add_views",
    order=30,
)
