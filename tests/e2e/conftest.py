"""Real processes for end-to-end tests: the gateway under granian and Celery workers, on PostgreSQL and Redis."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import pytest
from support import Process, free_port, wait_http

from aula_shared.dispatch import dead_letter_key
from aula_shared.platform.registry import save_bot

TOKEN = "123456789:AAEhBOweik6ad9r_QXMENQjcrGbqCr4K-Ms"
BOT_ID = 123456789


@pytest.fixture
def registered_bot(settings, clean_tables) -> int:
    save_bot(settings.database_url_for("platform"), BOT_ID, "aula_test_bot", TOKEN)
    return BOT_ID


@pytest.fixture
def gateway_url(platform_env, registered_bot, tmp_path):
    port = free_port()
    env = dict(platform_env, GATEWAY_PORT=str(port))
    process = Process(["serve", "gateway"], env, tmp_path / "gateway.log").start()
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{url}/healthz")
        yield url
    finally:
        process.stop()


# The bot as a group administrator with the rights moderation and onboarding use.
BOT_RIGHTS = {
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_invite_users": True,
    "can_restrict_members": True,
    "can_pin_messages": True,
}


def world_env(database_url: str, redis_url: str, telegram_api_url: str, **settings: str) -> dict[str, str]:
    """The environment of a module-wide world's processes: this test session's PostgreSQL and Redis, the
    simulator as Telegram, a free gateway port, one HTTP worker, and `settings`.
    Nothing of the developer's own environment that names a database, the embedded default or a chat leaks in."""
    env = {k: v for k, v in os.environ.items() if not k.endswith("DATABASE_URL")}
    for name in ("AULA_EMBEDDED", "LOG_CHAT_ID", "STAFF_CHAT_ID", "AULA_BEAT_SECONDS"):
        env.pop(name, None)
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        SECRET_KEY="test",
        TELEGRAM_API_URL=telegram_api_url,
        GATEWAY_PORT=str(free_port()),
        AULA_HTTP_WORKERS="1",
        PYTHONUNBUFFERED="1",
    )
    env.update(settings)
    return env


def worker_process(service: str, env: dict, log_path, concurrency: int = 1) -> Process:
    args = ["worker", service, "--loglevel", "INFO", "--concurrency", str(concurrency)]
    args += ["--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"{service}-%h-{free_port()}"]
    return Process(args, env, log_path)


# What the worker writes when an update's handling failed (aula_shared.dispatch), or anything else blew up.
FAILURES = ("update handler failed", "Traceback")


@contextlib.contextmanager
def every_update_handled(world, service: str = "moderation") -> Iterator[None]:
    """Around one test of a module-wide world: once the test is over and every update it caused was handled
    (world.settle()), none was dead-lettered and the worker's log says nothing failed meanwhile. Checked after
    each test, so it holds for any test run alone or in any order, and names the test that broke it."""
    dead_letters = world.redis.llen(dead_letter_key(service))
    log_start = len(world.worker.output())
    yield
    world.settle()
    new_dead_letters = world.redis.llen(dead_letter_key(service)) - dead_letters
    assert new_dead_letters <= 0, world.redis.lrange(dead_letter_key(service), 0, max(new_dead_letters, 1) - 1)
    written = world.worker.output()[log_start:]
    assert not [failure for failure in FAILURES if failure in written], written[-4000:]


@pytest.fixture
def no_update_fails(request) -> Iterator[None]:
    """every_update_handled around a test that uses its module's `world` (modules opt in with
    `pytestmark = pytest.mark.usefixtures("no_update_fails")`); a test without the world is left alone."""
    if "world" not in request.fixturenames:
        yield
        return
    with every_update_handled(request.getfixturevalue("world")):
        yield
