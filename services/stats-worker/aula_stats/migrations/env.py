from aula_shared.migrations import run_env
from aula_stats.models import metadata

run_env(metadata)
