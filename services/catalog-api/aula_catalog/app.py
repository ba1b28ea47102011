"""The catalog's Flask app: public API under /api, staff admin under /admin, /healthz and /metrics."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from flask import Flask, Response, g, request
from prometheus_client import Counter, Histogram
from sqlalchemy import Engine, text
from werkzeug.middleware.proxy_fix import ProxyFix

from aula_catalog.api import init_api
from aula_catalog.api.caching import AnswerCache, AnswerCacheMiddleware, RevisionClock
from aula_catalog.api.cors import CorsPolicy
from aula_catalog.api.database import read_engine
from aula_catalog.config import CatalogConfig, secret_key
from aula_shared.db import engine_for
from aula_shared.metrics import exposition
from aula_shared.settings import Settings

log = logging.getLogger(__name__)

REQUESTS = Counter("aula_catalog_requests_total", "Catalog HTTP requests", ["endpoint", "status"])
LATENCY = Histogram(
    "aula_catalog_request_seconds",
    "Time to answer a catalog request",
    ["endpoint"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1.0),
)
# Answers given before Flask (api/caching.py) are counted under these endpoint labels.
EARLY_ANSWERS = {"not_modified": "304", "cached": "200"}


@dataclass
class CatalogState:
    """What the views need, kept in app.extensions["aula_catalog"]."""

    settings: Settings
    config: CatalogConfig
    database_url: str
    engine: Engine  # the shared engine: sessions of the admin, health checks
    read_engine: Engine  # the API's reads (see api/database.py)
    clock: RevisionClock
    answer_cache: AnswerCache | None
    cors: CorsPolicy
    cache_control: str


def create_app(settings: Settings, config: CatalogConfig | None = None) -> Flask:
    config = config or CatalogConfig.from_env(settings)
    database_url = settings.database_url_for("catalog")
    engine = engine_for(database_url)
    state = CatalogState(
        settings=settings,
        config=config,
        database_url=database_url,
        engine=engine,
        read_engine=read_engine(database_url),
        clock=RevisionClock(engine, config.revision_ttl),
        answer_cache=AnswerCache(config.answer_cache_mb * 1024 * 1024) if config.answer_cache_mb else None,
        cors=CorsPolicy(config.cors_origins),
        cache_control=f"public, max-age={config.cache_max_age}",
    )

    app = Flask("aula_catalog")
    app.config.update(
        SECRET_KEY=secret_key(settings, config),
        SESSION_COOKIE_NAME="aula_catalog_session",
        SESSION_COOKIE_SECURE=config.secure_cookies,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=config.secure_cookies,
        REMEMBER_COOKIE_HTTPONLY=True,
        PERMANENT_SESSION_LIFETIME=8 * 3600,
        WTF_CSRF_TIME_LIMIT=8 * 3600,
        MAX_CONTENT_LENGTH=1024 * 1024,
        PROPAGATE_EXCEPTIONS=False,
    )
    app.extensions["aula_catalog"] = state
    init_api(app)

    from aula_catalog.admin import init_admin

    init_admin(app)
    _add_operations_routes(app, state)
    _add_request_metrics(app)
    app.wsgi_app = AnswerCacheMiddleware(
        app.wsgi_app,
        state.clock,
        state.answer_cache,
        state.cors,
        state.cache_control,
        on_answer=_count_early_answer,
    )
    if config.trusted_proxies:
        # Outermost: everything inside (the login's brake, logs) sees the client's address, not the proxy's.
        hops = config.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    return app


def create_app_from_env() -> Flask:
    """Factory for granian's worker processes (`aula serve catalog`)."""
    from aula_shared import logging as aula_logging

    aula_logging.configure()
    return create_app(Settings.from_env())


def _count_early_answer(kind: str) -> None:
    REQUESTS.labels(kind, EARLY_ANSWERS[kind]).inc()


def _add_operations_routes(app: Flask, state: CatalogState) -> None:
    @app.get("/healthz")
    def healthz() -> Response:
        try:
            with state.engine.connect() as connection:
                connection.execute(text("SELECT 1 FROM catalog_revision"))
        except Exception as error:  # any database failure means "cannot serve"
            log.warning("health check failed", extra={"error": type(error).__name__})
            return Response(b'{"ok":false,"error":"database unavailable"}', 503, mimetype="application/json")
        return Response(b'{"ok":true}', 200, mimetype="application/json")

    @app.get("/metrics")
    def metrics() -> Response:
        body, content_type = exposition()
        return Response(body, content_type=content_type)

    @app.get("/robots.txt")
    def robots() -> Response:
        return Response("User-Agent: *\nDisallow: /\n", mimetype="text/plain")


def _add_request_metrics(app: Flask) -> None:
    @app.before_request
    def _start_timer() -> None:
        g.request_started = time.perf_counter()

    @app.after_request
    def _observe(response: Response) -> Response:
        endpoint = request.endpoint or "unknown"
        REQUESTS.labels(endpoint, str(response.status_code)).inc()
        started = g.get("request_started")
        if started is not None:
            LATENCY.labels(endpoint).observe(time.perf_counter() - started)
        return response
