from aula_shared.migrations import run_env
from aula_shared.platform.models import metadata

run_env(metadata)
