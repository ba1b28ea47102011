"""Gateway ingest: Aula's gateway vs python-telegram-bot's webhook server, same load, same run.

wrk, 2 threads, 50 connections, 10 s after a 2 s warm-up; each request a ~650-byte supergroup message with a
fresh update_id. Aula's gateway runs as deployed (granian, 2 worker processes) over real Redis, doing all of
its work: authentication, validation, dedupe, mailbox and wake-up in one Lua call.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import redis

from aula_shared.platform.registry import save_bot
from aula_tgsim.testing import start_simulator
from benchmarks.harness import (
    AULA,
    ROOT,
    free_port,
    process,
    redis_database,
    redis_server_cpu_seconds,
    tree_cpu_seconds,
    wait_http,
    wrk,
)

TOKEN = "123456789:AAEhBOweik6ad9r_QXMENQjcrGbqCr4K-Ms"
SCRIPT = Path(__file__).with_name("webhook.lua")
CONNECTIONS = 50


def _row(name: str, result, cpu_us: float) -> str:
    return (
        f"{name:<36} {result.requests_per_second:>7,.0f} updates/s  p50 {result.p50_ms:5.2f} ms  "
        f"p99 {result.p99_ms:6.2f} ms  server CPU {cpu_us:4.0f} µs/update  non-2xx {result.non_2xx}  "
        f"errors {result.errors}"
    )


def _measured(url: str, server_pid: int, with_redis: bool):
    """wrk against url, and the CPU the server (and Redis, when it takes part) spent per update."""
    cpu, redis_cpu = tree_cpu_seconds(server_pid), redis_server_cpu_seconds()
    result = wrk(url, SCRIPT, CONNECTIONS)
    spent = tree_cpu_seconds(server_pid) - cpu
    if with_redis:
        spent += redis_server_cpu_seconds() - redis_cpu
    return result, spent / max(result.requests, 1) * 1e6


def run() -> list[str]:
    lines = []
    with redis_database() as redis_url, tempfile.TemporaryDirectory() as tmp:
        database_url = f"sqlite:///{tmp}/aula.db"
        env = dict(os.environ, DATABASE_URL=database_url, REDIS_URL=redis_url, SECRET_KEY="bench")
        import subprocess

        subprocess.run([AULA, "db", "upgrade"], env=env, check=True, capture_output=True, cwd=ROOT)
        save_bot(database_url, 123456789, "bench_bot", TOKEN)

        port = free_port()
        gateway_env = dict(env, GATEWAY_PORT=str(port), AULA_HTTP_WORKERS="2")
        with process([AULA, "serve", "gateway"], gateway_env, "gateway") as gateway:
            wait_http(f"http://127.0.0.1:{port}/healthz")
            aula, aula_cpu = _measured(f"http://127.0.0.1:{port}/webhook?token={TOKEN}", gateway.pid, True)
        backlog = redis.Redis.from_url(redis_url).dbsize()

        with start_simulator(config={"rate_limits": {"enabled": False}}) as sim:
            sim.client.add_bot(TOKEN, username="bench_bot")
            ptb_port = free_port()
            command = [sys.executable, "-m", "benchmarks.ptb_server", TOKEN, sim.url, str(ptb_port)]
            with process(command, env, "ptb") as server:
                wait_http(f"http://127.0.0.1:{ptb_port}/webhook", timeout=30)
                ptb, ptb_cpu = _measured(f"http://127.0.0.1:{ptb_port}/webhook", server.pid, False)

    lines.append(f"load: wrk -t2 -c{CONNECTIONS} -d10s, fresh update_id per request, server and load share 2 cores")
    lines.append(_row("Aula gateway (granian ×2, +Redis CPU)", aula, aula_cpu))
    lines.append(_row("python-telegram-bot webhook server", ptb, ptb_cpu))
    lines.append(
        f"ratio Aula / PTB: {aula.requests_per_second / ptb.requests_per_second:.2f}× updates/s  (target ≥ 3×), "
        f"{ptb_cpu / aula_cpu:.2f}× less CPU per update"
    )
    lines.append(f"Aula p99 at {CONNECTIONS} connections: {aula.p99_ms:.2f} ms  (target ≤ 15 ms)")
    lines.append(f"Redis keys after the Aula run: {backlog:,} (mailboxes, wake-ups, seen bitmaps)")
    return lines
