"""The simulator served over real HTTP for the whole session, reset before each test; a webhook receiver."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from aula_tgsim.testing import RunningSimulator, SimClient, start_simulator

RESPONSES = Path(__file__).resolve().parents[2].parent / "shared" / "telegram-fixtures" / "responses"

BOT_TOKEN = "7000000001:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
BOT_ID = 7000000001
OTHER_BOT_TOKEN = "7000000002:AAGzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"
OTHER_BOT_ID = 7000000002
OWNER, ADA, BOB = 41, 42, 43
GROUP = -1001900000001  # a supergroup
BASIC_GROUP = -839307431

# Fast webhook retries so delivery tests take milliseconds; every reset returns to these.
TEST_CONFIG = {"webhook": {"backoff_initial": 0.05, "backoff_max": 0.2, "timeout": 2.0, "max_attempts": 5}}


def fixture_response(name: str) -> dict[str, Any]:
    """A real Bot API answer from the team's fixtures (telegram-fixtures/responses)."""
    return json.loads((RESPONSES / f"{name}.json").read_text())


@pytest.fixture(scope="session")
def simulator() -> Iterator[RunningSimulator]:
    with start_simulator(config=TEST_CONFIG) as running:
        yield running


@pytest.fixture
def tg(simulator: RunningSimulator) -> SimClient:
    """The control API of a freshly reset simulator."""
    simulator.client.reset()
    return simulator.client


@pytest.fixture
def scene(tg: SimClient) -> SimClient:
    """A supergroup with its owner, two students and the bot as a (default-rights) administrator."""
    tg.add_bot(BOT_TOKEN, username="aula_test_bot")
    tg.add_user(OWNER, "Olena", username="olena_owner")
    tg.add_user(ADA, "Ada", username="ada_lovelace", language_code="it")
    tg.add_user(BOB, "Bob")
    tg.add_chat(
        GROUP,
        "supergroup",
        title="Analisi I",
        username="analisi_uno",
        members=[
            {"user_id": OWNER, "status": "creator"},
            {"user_id": BOT_ID, "status": "administrator"},
            {"user_id": ADA, "status": "member"},
            {"user_id": BOB, "status": "member"},
        ],
    )
    return tg


def api(tg: SimClient, method: str, token: str = BOT_TOKEN, **params: Any) -> tuple[int, dict[str, Any]]:
    return tg.bot_api(token, method, **params)


def ok(tg: SimClient, method: str, token: str = BOT_TOKEN, **params: Any) -> Any:
    status, body = api(tg, method, token, **params)
    assert status == 200 and body["ok"], body
    return body["result"]


@dataclass
class WebhookReceiver:
    """A real HTTP endpoint for webhooks: records every POST; answers the scripted statuses, then 200."""

    url: str = ""
    received: list[dict[str, Any]] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def wsgi(self, environ, start_response):
        request = Request(environ)
        with self.lock:
            status = self.statuses.pop(0) if self.statuses else 200
            self.received.append(
                {"headers": dict(request.headers), "body": json.loads(request.get_data()), "time": time.time()}
            )
        return Response('{"ok": true}', status=status, mimetype="application/json")(environ, start_response)

    def bodies(self) -> list[dict[str, Any]]:
        with self.lock:
            return [item["body"] for item in self.received]

    def wait_for(self, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.received) >= count:
                return self.bodies()
            time.sleep(0.01)
        raise AssertionError(f"expected {count} webhook deliveries, got {len(self.received)}")


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    hook = WebhookReceiver()
    server = make_server("127.0.0.1", 0, hook.wsgi, threaded=True)
    hook.url = f"http://127.0.0.1:{server.server_port}/webhook"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield hook
    server.shutdown()
    server.server_close()
