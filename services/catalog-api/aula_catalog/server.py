"""`aula serve catalog`: the catalog app under granian, in the foreground."""

from aula_shared.http import serve_wsgi
from aula_shared.settings import Settings


def serve(settings: Settings) -> None:
    serve_wsgi("aula_catalog.app:create_app_from_env", settings, settings.catalog_port, "catalog")
