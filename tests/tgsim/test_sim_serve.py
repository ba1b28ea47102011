"""`aula serve simulator`: the foreground server of `make run`, on TGSIM_PORT, optionally with a scenario file."""

from __future__ import annotations

import json
import os

import httpx
from support import Process, free_port, wait_http
from tgsim.conftest import BOT_TOKEN


def test_serve_simulator_with_a_scenario(tmp_path) -> None:
    scenario = {
        "bots": [{"token": BOT_TOKEN, "username": "aula_demo_bot"}],
        "users": [{"id": 42, "first_name": "Ada"}],
        "chats": [
            {
                "id": -1001,
                "type": "supergroup",
                "title": "Demo",
                "members": [{"user_id": 7000000001, "status": "administrator"}, {"user_id": 42}],
            }
        ],
    }
    (tmp_path / "scenario.json").write_text(json.dumps(scenario))
    port = free_port()
    env = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    env.update(TGSIM_PORT=str(port), TGSIM_SCENARIO=str(tmp_path / "scenario.json"))
    process = Process(["serve", "simulator"], env, tmp_path / "simulator.log").start()
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{url}/healthz")
        me = httpx.get(f"{url}/bot{BOT_TOKEN}/getMe").json()
        assert me["result"]["username"] == "aula_demo_bot"
        member = httpx.post(f"{url}/bot{BOT_TOKEN}/getChatMember", json={"chat_id": -1001, "user_id": 42}).json()
        assert member["result"]["status"] == "member"
        assert "tgsim_api_calls_total" in httpx.get(f"{url}/metrics").text
    finally:
        process.stop()
    assert BOT_TOKEN not in (tmp_path / "simulator.log").read_text()
