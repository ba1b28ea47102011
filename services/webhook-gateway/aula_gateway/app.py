"""The webhook gateway: authenticate, validate, enqueue once, answer — nothing else on the hot path.

`POST /webhook?token=<bot token>` or `POST /webhook/<bot id>` with `X-Telegram-Bot-Api-Secret-Token`.
200 only once the update is in Redis; 503 when Redis cannot take it (Telegram retries). See CONTRACT.md.

The two webhook routes are served by a plain WSGI function in front of Flask: Flask's request and context
machinery would cost about as much CPU as everything the gateway itself does. Everything else — health,
metrics, wrong methods, unknown paths — is an ordinary Flask app.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable
from urllib.parse import unquote

import orjson
import redis
from flask import Flask, Response
from prometheus_client import Counter, Histogram
from werkzeug.exceptions import HTTPException

from aula_gateway.batching import BatchingEnqueuer
from aula_gateway.bots import BotCache
from aula_shared import redis as aula_redis
from aula_shared.envelope import NotAnUpdate, conversation_key, pack, update_id_of
from aula_shared.mailbox import Enqueuer
from aula_shared.metrics import exposition
from aula_shared.platform import changes
from aula_shared.platform.registry import active_bots
from aula_shared.settings import Settings

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024
SECRET_HEADER = "HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN"  # noqa: S105 - X-Telegram-Bot-Api-Secret-Token, as WSGI names it
WEBHOOK_PATH = "/webhook"

REQUESTS = Counter("aula_gateway_requests_total", "Webhook requests by outcome", ["outcome"])
ENQUEUE_SECONDS = Histogram(
    "aula_gateway_enqueue_seconds",
    "Time to put one update into Redis",
    buckets=(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5),
)
OK = b'{"ok":true}'
STATUS_LINES = {
    200: "200 OK",
    400: "400 Bad Request",
    403: "403 Forbidden",
    405: "405 Method Not Allowed",
    413: "413 Payload Too Large",
    503: "503 Service Unavailable",
}

Answer = tuple[int, bytes]


def _error(status: int, message: str, outcome: str) -> Answer:
    REQUESTS.labels(outcome).inc()
    return status, orjson.dumps({"ok": False, "error": message})


def _query_token(query: str) -> str | None:
    for pair in query.split("&"):
        if pair.startswith("token="):
            return unquote(pair[6:])
    return None


class Gateway:
    """The webhook routes as a WSGI app; any other request goes to `fallback` (the Flask app)."""

    def __init__(self, bots: BotCache, enqueuer: Enqueuer | BatchingEnqueuer, fallback: Callable) -> None:
        self.bots = bots
        self.enqueuer = enqueuer
        self.fallback = fallback

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if environ.get("REQUEST_METHOD") != "POST" or not path.startswith(WEBHOOK_PATH):
            return self.fallback(environ, start_response)
        if path == WEBHOOK_PATH:
            status, body = self.by_token(environ)
        elif path[len(WEBHOOK_PATH)] == "/" and path[len(WEBHOOK_PATH) + 1 :].isdigit():
            status, body = self.by_secret(environ, int(path[len(WEBHOOK_PATH) + 1 :]))
        else:
            return self.fallback(environ, start_response)
        start_response(STATUS_LINES[status], [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    def by_token(self, environ: dict) -> Answer:
        token = _query_token(environ.get("QUERY_STRING", ""))
        if not token:
            return _error(400, "missing token", "no_token")
        bot_id = self.bots.by_token(token)
        if bot_id is None:
            return _error(403, "unknown bot", "unknown_bot")
        return self.accept(environ, bot_id)

    def by_secret(self, environ: dict, bot_id: int) -> Answer:
        secret = environ.get(SECRET_HEADER)
        if not secret:
            return _error(400, "missing secret token header", "no_token")
        if self.bots.by_secret(bot_id, secret) is None:
            return _error(403, "unknown bot or wrong secret token", "unknown_bot")
        return self.accept(environ, bot_id)

    def accept(self, environ: dict, bot_id: int) -> Answer:
        raw = _read_body(environ)
        if raw is None:
            return _error(413, "body over 1 MiB", "too_large")
        try:
            update = orjson.loads(raw)
            update_id = update_id_of(update)
        except orjson.JSONDecodeError:
            return _error(400, "body is not JSON", "bad_request")
        except NotAnUpdate as error:
            return _error(400, f"not a Telegram Update: {error}", "bad_request")
        started = time.perf_counter()
        try:
            fresh = self.enqueuer.enqueue(bot_id, update_id, conversation_key(update), pack(bot_id, raw))
        except redis.RedisError as error:
            log.error("enqueue failed", extra={"bot_id": bot_id, "error": type(error).__name__})
            return _error(503, "queue unavailable, retry later", "unavailable")
        ENQUEUE_SECONDS.observe(time.perf_counter() - started)
        REQUESTS.labels("enqueued" if fresh else "duplicate").inc()
        return 200, OK


def _read_body(environ: dict) -> bytes | None:
    """The body, or None if it is over the limit (read no further than the limit either way)."""
    stream = environ["wsgi.input"]
    length = environ.get("CONTENT_LENGTH")
    if length:
        try:
            size = int(length)
        except ValueError:
            size = MAX_BODY_BYTES + 1
        return None if size > MAX_BODY_BYTES else stream.read(size)
    body = stream.read(MAX_BODY_BYTES + 1)  # chunked: no length given
    return None if len(body) > MAX_BODY_BYTES else body


def _flask_app(connection: redis.Redis) -> Flask:
    app = Flask("aula_gateway")

    @app.get("/healthz")
    def healthz() -> Response:
        try:
            connection.ping()
        except redis.RedisError:
            return Response(b'{"ok":false,"error":"redis unreachable"}', 503, mimetype="application/json")
        return Response(OK, mimetype="application/json")

    @app.get("/metrics")
    def metrics() -> Response:
        body, content_type = exposition()
        return Response(body, content_type=content_type)

    @app.route(WEBHOOK_PATH, methods=["GET", "PUT", "PATCH", "DELETE"])
    @app.route(f"{WEBHOOK_PATH}/<path:_rest>", methods=["GET", "PUT", "PATCH", "DELETE"])
    def wrong_method(_rest: str = "") -> Response:
        status, body = _error(405, "method not allowed", "http_405")
        return Response(body, status, mimetype="application/json", headers={"Allow": "POST"})

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        status, body = _error(error.code or 500, error.name.lower(), f"http_{error.code}")
        return Response(body, status, mimetype="application/json")

    @app.errorhandler(Exception)
    def unexpected(_error: Exception) -> Response:
        log.exception("unexpected gateway error")
        status, body = _error(500, "internal error", "error")
        return Response(body, status, mimetype="application/json")

    return app


def create_app(settings: Settings | None = None, bots: BotCache | None = None) -> Flask:
    """The gateway: a Flask app whose WSGI entry serves the webhook routes first."""
    settings = settings or Settings.from_env()
    connection = aula_redis.client(settings.require_redis())
    if bots is None:
        bots = BotCache(lambda: active_bots(settings.database_url_for("platform")))
        redis_url = settings.require_redis()
        bots.start(lambda reload: changes.follow(redis_url, reload))
    app = _flask_app(connection)
    enqueuer = Enqueuer(connection)
    if os.environ.get("AULA_GATEWAY_GROUP_COMMIT", "1") != "0":  # on unless switched off (for comparison)
        enqueuer = BatchingEnqueuer(connection, enqueuer)
    app.wsgi_app = Gateway(bots, enqueuer, app.wsgi_app)
    return app


def create_app_from_env() -> Flask:
    """Factory for granian's worker processes."""
    from aula_shared import logging as aula_logging

    aula_logging.configure()
    return create_app()
