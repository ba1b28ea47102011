"""The webhook gateway: authenticate, validate, enqueue once, answer — nothing else on the hot path.

`POST /webhook?token=<bot token>` or `POST /webhook/<bot id>` with `X-Telegram-Bot-Api-Secret-Token`.
200 only once the update is in Redis; 503 when Redis cannot take it (Telegram retries). See CONTRACT.md.
"""

from __future__ import annotations

import logging
import time

import orjson
import redis
from flask import Flask, Response, request
from prometheus_client import Counter, Histogram
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from aula_gateway.bots import BotCache
from aula_shared import redis as aula_redis
from aula_shared.envelope import NotAnUpdate, conversation_key, pack, update_id_of
from aula_shared.mailbox import Enqueuer
from aula_shared.metrics import exposition
from aula_shared.platform.registry import active_bots
from aula_shared.settings import Settings

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name

REQUESTS = Counter("aula_gateway_requests_total", "Webhook requests by outcome", ["outcome"])
ENQUEUE_SECONDS = Histogram(
    "aula_gateway_enqueue_seconds",
    "Time to put one update into Redis",
    buckets=(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5),
)
_OK = b'{"ok":true}'


def _json(status: int, body: bytes) -> Response:
    return Response(body, status=status, mimetype="application/json")


def _error(status: int, message: str, outcome: str) -> Response:
    REQUESTS.labels(outcome).inc()
    return _json(status, orjson.dumps({"ok": False, "error": message}))


class Gateway:
    """The request handling, apart from Flask's wiring so that it reads top to bottom."""

    def __init__(self, bots: BotCache, enqueuer: Enqueuer) -> None:
        self.bots = bots
        self.enqueuer = enqueuer

    def by_token(self) -> Response:
        token = request.args.get("token")
        if not token:
            return _error(400, "missing token", "no_token")
        bot_id = self.bots.by_token(token)
        if bot_id is None:
            return _error(403, "unknown bot", "unknown_bot")
        return self.accept(bot_id)

    def by_secret(self, bot_id: int) -> Response:
        secret = request.headers.get(SECRET_HEADER)
        if not secret:
            return _error(400, "missing secret token header", "no_token")
        if self.bots.by_secret(bot_id, secret) is None:
            return _error(403, "unknown bot or wrong secret token", "unknown_bot")
        return self.accept(bot_id)

    def accept(self, bot_id: int) -> Response:
        if (request.content_length or 0) > MAX_BODY_BYTES:
            return _error(413, "body over 1 MiB", "too_large")
        raw = request.get_data(cache=False)
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
        return _json(200, _OK)


def create_app(settings: Settings | None = None, bots: BotCache | None = None) -> Flask:
    settings = settings or Settings.from_env()
    connection = aula_redis.client(settings.require_redis())
    if bots is None:
        bots = BotCache(lambda: active_bots(settings.database_url_for("platform")))
        bots.start()
    gateway = Gateway(bots, Enqueuer(connection))

    app = Flask("aula_gateway")
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.add_url_rule("/webhook", "webhook", gateway.by_token, methods=["POST"])
    app.add_url_rule("/webhook/<int:bot_id>", "webhook_by_id", gateway.by_secret, methods=["POST"])

    @app.get("/healthz")
    def healthz() -> Response:
        try:
            connection.ping()
        except redis.RedisError:
            return _json(503, b'{"ok":false,"error":"redis unreachable"}')
        return _json(200, _OK)

    @app.get("/metrics")
    def metrics() -> Response:
        body, content_type = exposition()
        return Response(body, content_type=content_type)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        if isinstance(error, RequestEntityTooLarge):
            return _error(413, "body over 1 MiB", "too_large")
        return _error(error.code or 500, error.description or error.name, f"http_{error.code}")

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        log.exception("unexpected gateway error")
        return _error(500, "internal error", "error")

    return app


def create_app_from_env() -> Flask:
    """Factory for granian's worker processes."""
    from aula_shared import logging as aula_logging

    aula_logging.configure()
    return create_app()
