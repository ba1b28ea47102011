"""`aula serve gateway`."""

from aula_shared.http import serve_wsgi
from aula_shared.settings import Settings


def serve(settings: Settings) -> None:
    serve_wsgi("aula_gateway.app:create_app_from_env", settings, settings.gateway_port, "gateway")
