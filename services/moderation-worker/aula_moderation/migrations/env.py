from aula_moderation.schema import metadata
from aula_shared.migrations import run_env

run_env(metadata)
