"""HTTP: the Bot API at /bot<token>/<method>, the control API at /_sim, /healthz and /metrics.

`serve(settings)` is `aula serve simulator`: werkzeug's threaded server in the foreground on settings.host and
settings.tgsim_port (TGSIM_PORT). A scenario file named by TGSIM_SCENARIO (JSON, see tools/tgsim/README.md) is
loaded first.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import orjson
from flask import Flask, Request, Response, request
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from aula_tgsim import control
from aula_tgsim.errors import NOT_FOUND
from aula_tgsim.params import from_request
from aula_tgsim.simulator import Simulator

log = logging.getLogger(__name__)

MAX_REQUEST_BYTES = 50 * 1024 * 1024  # Telegram takes uploads up to 50 MB


def _json(data: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(data), status=status, mimetype="application/json")


def bot_api_params(req: Request) -> dict[str, Any]:
    """Query string, JSON body, url-encoded form or multipart, as Telegram accepts them all."""
    json_body = None
    if req.is_json:
        try:
            json_body = orjson.loads(req.get_data()) if req.content_length else None
        except orjson.JSONDecodeError:
            json_body = None
    params = from_request(req.args, req.form, json_body)
    for name, upload in req.files.items():
        params[name] = f"attach://{upload.filename or name}"  # the file itself is not kept
    return params


def create_app(simulator: Simulator) -> Flask:
    app = Flask("aula_tgsim")
    app.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    app.register_blueprint(control.blueprint(simulator))

    @app.route("/bot<token>/<method>", methods=["GET", "POST"])
    def bot_api(token: str, method: str) -> Response:
        status, body = simulator.call(token, method, bot_api_params(request))
        return _json(body, status)

    @app.get("/file/bot<token>/<path:file_path>")
    def file_download(token: str, file_path: str) -> Response:
        status, body, content_type = simulator.download(token, file_path)
        return Response(body, status=status, mimetype=content_type)

    @app.get("/healthz")
    def healthz() -> Response:
        return _json({"ok": True})

    @app.get("/metrics")
    def metrics() -> Response:
        return Response(generate_latest(simulator.metrics.registry), mimetype=CONTENT_TYPE_LATEST)

    @app.errorhandler(404)
    @app.errorhandler(405)
    def not_found(_error: Exception) -> Response:
        code, description = NOT_FOUND
        return _json({"ok": False, "error_code": code, "description": description}, code)

    return app


class QuietRequestHandler(WSGIRequestHandler):
    """No access log: request lines carry bot tokens, and at benchmark rates they would drown everything else."""

    protocol_version = "HTTP/1.1"  # keep-alive: clients reuse connections

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def make_simulator_server(simulator: Simulator, host: str, port: int) -> BaseWSGIServer:
    return make_server(host, port, create_app(simulator), threaded=True, request_handler=QuietRequestHandler)


def load_scenario_file(simulator: Simulator, path: str) -> None:
    scenario = orjson.loads(Path(path).read_bytes())
    with simulator.lock:
        control.load_scenario(simulator, scenario)


def serve(settings) -> None:
    """Run the simulator in the foreground until interrupted (`aula serve simulator`)."""
    from aula_shared import logging as aula_logging

    aula_logging.configure()
    simulator = Simulator()
    scenario = os.environ.get("TGSIM_SCENARIO", "").strip()
    if scenario:
        load_scenario_file(simulator, scenario)
    server = make_simulator_server(simulator, settings.host, settings.tgsim_port)
    log.info("Telegram Bot API simulator listening", extra={"url": f"http://{settings.host}:{server.server_port}"})
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        simulator.close()
        server.server_close()
