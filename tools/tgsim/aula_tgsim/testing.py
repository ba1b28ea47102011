"""Run the simulator inside a test, and drive it over HTTP.

    from aula_tgsim.testing import start_simulator

    with start_simulator() as sim:                      # a background thread on a free port
        sim.client.add_bot("7000000001:AAH...", username="aula_bot")
        sim.client.add_user(42, "Ada")
        sim.client.add_chat(-1001, title="Analisi I", members=[
            {"user_id": 7000000001, "status": "administrator"},
            {"user_id": 42, "status": "member"},
        ])
        sim.client.send_text(-1001, 42, "/info")      # delivered to the bot's webhook, if it set one
        sim.url                                         # TELEGRAM_API_URL for the code under test

`SimClient` needs only the base URL, so another process (a benchmark, a Celery worker test) can drive a
simulator started elsewhere.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import httpx

from aula_tgsim.config import SimConfig
from aula_tgsim.server import make_simulator_server
from aula_tgsim.simulator import Simulator


class SimControlError(Exception):
    """The control API refused a request."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message


class SimClient:
    """One method per control-API endpoint (see control.py), plus raw Bot API calls for tests."""

    def __init__(self, base_url: str, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout)

    def close(self) -> None:
        self._http.close()

    def _request(self, verb: str, path: str, body: dict[str, Any] | None = None, **query: Any) -> Any:
        params = {key: value for key, value in query.items() if value is not None}
        response = self._http.request(verb, f"/_sim{path}", json=body, params=params)
        data = response.json()
        if response.status_code >= 400:
            raise SimControlError(response.status_code, data.get("error", response.text))
        return data

    # -- scene ----------------------------------------------------------------------------------------------

    def reset(self, config: dict[str, Any] | None = None) -> dict[str, Any]:
        return self._request("POST", "/reset", {"config": config} if config else {})

    def configure(self, **config: Any) -> dict[str, Any]:
        """E.g. configure(rate_limits={"enabled": False}) or configure(webhook={"backoff_initial": 0.05})."""
        return self._request("PATCH", "/config", config)

    def scenario(self, scenario: dict[str, Any]) -> dict[str, Any]:
        return self._request("POST", "/scenario", scenario)

    def add_bot(
        self, token: str, username: str | None = None, first_name: str | None = None, **extra: Any
    ) -> dict[str, Any]:
        return self._request("POST", "/bots", {"token": token, "username": username, "first_name": first_name, **extra})

    def add_user(self, user_id: int, first_name: str | None = None, **fields: Any) -> dict[str, Any]:
        return self._request("POST", "/users", {"id": user_id, "first_name": first_name, **fields})

    def add_chat(self, chat_id: int, type: str = "supergroup", **fields: Any) -> dict[str, Any]:
        return self._request("POST", "/chats", {"id": chat_id, "type": type, **fields})

    def set_chat_photo(self, chat_id: int, **photo: Any) -> dict[str, Any]:
        """A new photo (made-up ids unless given; `size=` pads the big image); returns the ChatPhoto."""
        return self._request("PUT", f"/chats/{chat_id}/photo", photo)

    def delete_chat_photo(self, chat_id: int) -> dict[str, Any]:
        return self._request("DELETE", f"/chats/{chat_id}/photo")

    def chat(self, chat_id: int) -> dict[str, Any]:
        return self._request("GET", f"/chats/{chat_id}")

    def set_member(self, chat_id: int, user_id: int, status: str = "member", **fields: Any) -> dict[str, Any]:
        """fields: rights (administrators), permissions and is_member (restricted), until_date, custom_title, user."""
        return self._request("PUT", f"/chats/{chat_id}/members/{user_id}", {"status": status, **fields})

    def member(self, chat_id: int, user_id: int) -> dict[str, Any]:
        return self._request("GET", f"/chats/{chat_id}/members/{user_id}")

    def messages(self, chat_id: int) -> list[dict[str, Any]]:
        return self._request("GET", f"/chats/{chat_id}/messages")

    def migrate(self, chat_id: int, to_chat_id: int | None = None) -> dict[str, Any]:
        return self._request("POST", f"/chats/{chat_id}/migrate", {"to_chat_id": to_chat_id})

    def block(self, user_id: int, bot_id: int) -> dict[str, Any]:
        return self._request("POST", f"/users/{user_id}/block", {"bot_id": bot_id})

    def unblock(self, user_id: int, bot_id: int) -> dict[str, Any]:
        return self._request("POST", f"/users/{user_id}/unblock", {"bot_id": bot_id})

    def advance_clock(self, seconds: float) -> int:
        """Move the simulated clock forward (restrictions expire, messages age); returns the new unix time."""
        return self._request("POST", "/clock", {"advance": seconds})["now"]

    def now(self) -> int:
        return self._request("GET", "/clock")["now"]

    # -- faults and the call log ----------------------------------------------------------------------------

    def inject_fault(
        self,
        method: str | None,
        error_code: int | None = None,
        description: str | None = None,
        *,
        times: int = 1,
        retry_after: int | None = None,
        chat_id: int | str | None = None,
        bot_id: int | None = None,
        delay: float = 0.0,
        parameters: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The next `times` calls of `method` (None: any) answer this error (and/or only after `delay` s)."""
        spec = {
            "method": method,
            "error_code": error_code,
            "description": description,
            "times": times,
            "retry_after": retry_after,
            "chat_id": chat_id,
            "bot_id": bot_id,
            "delay": delay,
            "parameters": parameters,
        }
        return self._request("POST", "/faults", spec)

    def clear_faults(self) -> None:
        self._request("DELETE", "/faults")

    def calls(
        self, method: str | None = None, bot_id: int | None = None, chat_id: int | str | None = None, since: int = 0
    ) -> list[dict[str, Any]]:
        return self._request("GET", "/calls", method=method, bot_id=bot_id, chat_id=chat_id, since=since)["calls"]

    def last_seq(self) -> int:
        return self._request("GET", "/calls", limit=0)["last_seq"]

    # -- things users do ------------------------------------------------------------------------------------

    def send_text(
        self,
        chat_id: int,
        user_id: int,
        text: str,
        *,
        bot_id: int | None = None,
        reply_to_message_id: int | None = None,
        message_thread_id: int | None = None,
        entities: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """User writes in a group (or, with bot_id and chat_id == user_id, to a bot in private)."""
        body = {
            "chat_id": chat_id,
            "user_id": user_id,
            "text": text,
            "bot_id": bot_id,
            "reply_to_message_id": reply_to_message_id,
            "message_thread_id": message_thread_id,
            "entities": entities,
        }
        return self._request("POST", "/updates/message", body)

    def join(self, chat_id: int, user_id: int, *, by: int | None = None, **extra: Any) -> dict[str, Any]:
        return self._request("POST", "/updates/join", {"chat_id": chat_id, "user_id": user_id, "by": by, **extra})

    def leave(self, chat_id: int, user_id: int, *, by: int | None = None) -> dict[str, Any]:
        return self._request("POST", "/updates/leave", {"chat_id": chat_id, "user_id": user_id, "by": by})

    def press_button(self, chat_id: int, message_id: int, user_id: int, data: str | None = None) -> dict[str, Any]:
        body = {"chat_id": chat_id, "message_id": message_id, "user_id": user_id, "data": data}
        return self._request("POST", "/updates/callback", body)

    def join_request(self, chat_id: int, user_id: int, **extra: Any) -> dict[str, Any]:
        return self._request("POST", "/updates/join_request", {"chat_id": chat_id, "user_id": user_id, **extra})

    def raw_update(self, bot_id: int, update: dict[str, Any]) -> dict[str, Any]:
        return self._request("POST", "/updates/raw", {"bot_id": bot_id, "update": update})

    def callback_query(self, query_id: str) -> dict[str, Any]:
        return self._request("GET", f"/callback_queries/{query_id}")

    def webhook(self, bot_id: int) -> dict[str, Any]:
        return self._request("GET", f"/webhooks/{bot_id}")

    def wait_delivered(self, bot_id: int | None = None, timeout: float = 10.0) -> bool:
        return self._request("POST", "/wait", {"bot_id": bot_id, "timeout": timeout})["idle"]

    # -- the Bot API itself, without a client library ---------------------------------------------------------

    def bot_api(self, token: str, method: str, **params: Any) -> tuple[int, dict[str, Any]]:
        response = self._http.post(f"/bot{token}/{method}", json=params)
        return response.status_code, response.json()

    def download(self, token: str, file_path: str) -> httpx.Response:
        return self._http.get(f"/file/bot{token}/{file_path}")


@dataclass
class RunningSimulator:
    url: str  # use as TELEGRAM_API_URL
    simulator: Simulator
    client: SimClient
    _server: Any = field(repr=False)
    _thread: threading.Thread = field(repr=False)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        self.simulator.close()
        self.client.close()

    def __enter__(self) -> RunningSimulator:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def start_simulator(host: str = "127.0.0.1", port: int = 0, config: dict[str, Any] | None = None) -> RunningSimulator:
    """Serve a fresh simulator from a background thread (port 0: a free one). `config` as for SimConfig.update."""
    sim_config = SimConfig()
    if config:
        sim_config.update(config)
    simulator = Simulator(sim_config)
    server = make_simulator_server(simulator, host, port)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="tgsim-server", daemon=True
    )
    thread.start()
    url = f"http://{host}:{server.server_port}"
    return RunningSimulator(url=url, simulator=simulator, client=SimClient(url), _server=server, _thread=thread)
