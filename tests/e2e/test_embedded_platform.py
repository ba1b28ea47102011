"""`make run`'s embedded default: the whole platform from one command, no Redis or PostgreSQL server, on
SQLite — a user writes in the demo's unmanaged group and the notice and the count come back. Ctrl-C stops
every process it started."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess

import httpx
import pytest
from support import AULA, free_port, wait_http, wait_until


@pytest.mark.embedded
@pytest.mark.timeout(180)
def test_aula_run_serves_the_demo_end_to_end_and_stops_cleanly(tmp_path):
    ports = {"CATALOG_PORT": free_port(), "GATEWAY_PORT": free_port(), "TGSIM_PORT": free_port()}
    env = {k: v for k, v in os.environ.items() if not k.endswith(("DATABASE_URL", "REDIS_URL", "TELEGRAM_API_URL"))}
    env.update({k: str(v) for k, v in ports.items()}, PYTHONUNBUFFERED="1")
    subprocess.run([AULA, "db", "upgrade"], cwd=tmp_path, env=env, check=True, capture_output=True, timeout=60)
    log = open(tmp_path / "run.log", "wb")  # noqa: SIM115
    launcher = subprocess.Popen([AULA, "run"], cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
    sim = f"http://127.0.0.1:{ports['TGSIM_PORT']}"
    try:
        wait_until(lambda: b"Demo:" in (tmp_path / "run.log").read_bytes(), timeout=60, what="the demo")
        sent = httpx.post(
            f"{sim}/_sim/updates/message", json={"chat_id": -1001000000002, "user_id": 4002, "text": "hello?"}
        )
        assert sent.status_code == 200

        def notice():
            calls = httpx.get(f"{sim}/_sim/calls", params={"method": "sendMessage"}).json()["calls"]
            return [c for c in calls if c["chat_id"] == -1001000000002 and c["status"] == 200]

        [call] = wait_until(notice, timeout=30, what="the unmanaged-chat notice")
        assert "-1001000000002" in call["params"]["text"]

        def counted():
            with sqlite3.connect(tmp_path / "var" / "aula.db") as db:
                return db.execute("SELECT messages FROM stats_message_counts WHERE user_id = 4002").fetchall()

        assert wait_until(counted, timeout=30, what="the message count") == [(1,)]
        # The catalog starts alongside (its admin loads every component's pages): on a busy machine, later.
        wait_http(f"http://127.0.0.1:{ports['CATALOG_PORT']}/healthz", timeout=60)
    finally:
        launcher.send_signal(signal.SIGINT)
        launcher.wait(30)
        log.close()
    assert launcher.returncode == 0
    for port in ports.values():  # nothing listens any more
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
