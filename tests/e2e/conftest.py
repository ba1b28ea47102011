"""Real processes for end-to-end tests: the gateway under granian and Celery workers, on PostgreSQL and Redis."""

from __future__ import annotations

import pytest
from support import Process, free_port, wait_http

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


def worker_process(service: str, env: dict, log_path, concurrency: int = 1) -> Process:
    args = ["worker", service, "--loglevel", "INFO", "--concurrency", str(concurrency)]
    args += ["--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"{service}-%h-{free_port()}"]
    return Process(args, env, log_path)
