"""The first slice end to end: Telegram's POST → gateway → Redis → Celery stats worker → PostgreSQL.

Every real fixture is replayed through the whole path; none may crash a worker, and the rows it should
produce are there. Then the guarantees: a duplicate counts once, a worker killed with SIGKILL mid-batch
loses nothing and counts nothing twice once restarted.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import httpx
import pytest
from conftest import FIXTURES, fixture_updates
from e2e.conftest import TOKEN, worker_process
from sqlalchemy import func, select
from support import running, wait_until

from aula_shared.db import session_scope
from aula_shared.dispatch import dead_letter_key
from aula_stats.models import Chat, Membership, MessageCount, ProcessedUpdate, TelegramUser

_http = httpx.Client(timeout=5)  # keep-alive, as Telegram holds its connections open


def send(url: str, body: bytes) -> httpx.Response:
    return _http.post(f"{url}/webhook", params={"token": TOKEN}, content=body)


def processed(database_url: str) -> int:
    with session_scope(database_url) as session:
        return session.scalar(select(func.count()).select_from(ProcessedUpdate))


def total_messages(database_url: str) -> int:
    with session_scope(database_url) as session:
        return session.scalar(select(func.coalesce(func.sum(MessageCount.messages), 0)))


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / "updates" / f"{name}.json").read_text())


def membership(database_url: str, chat_id: int, user_id: int) -> str | None:
    with session_scope(database_url) as session:
        row = session.get(Membership, (chat_id, user_id))
        return row.status if row else None


def test_every_fixture_travels_the_whole_path(gateway_url, platform_env, settings, tmp_path, redis_client):
    url = settings.database_url_for("stats")
    paths = fixture_updates()
    with running(worker_process("stats", platform_env, tmp_path / "stats.log")) as worker:
        for path in paths:
            assert send(gateway_url, path.read_bytes()).status_code == 200, path.name
        wait_until(lambda: processed(url) == len(paths), timeout=60, what="every fixture processed")
    assert "Traceback" not in worker.output()
    assert redis_client.llen(dead_letter_key("stats")) == 0

    plain = fixture("group_text_message_no_username")["message"]
    day = datetime.fromtimestamp(plain["date"], UTC).date()
    with session_scope(url) as session:
        count = session.get(MessageCount, (day, plain["chat"]["id"], plain["from"]["id"]))
        assert count is not None and count.messages == 1
        # A user seen in several fixtures keeps the profile of the latest one by date, whatever the order
        # the conversations were drained in.
        author = session.get(TelegramUser, plain["from"]["id"])
        assert author.first_name == latest_profile(paths, plain["from"]["id"])["first_name"]
        assert session.get(Chat, plain["chat"]["id"]).title == plain["chat"]["title"]
        # Service messages are not messages a user wrote.
        joined = fixture("supergroup_new_chat_members_user_added_by_admin")["message"]
        service_day = datetime.fromtimestamp(joined["date"], UTC).date()
        assert session.get(MessageCount, (service_day, joined["chat"]["id"], joined["from"]["id"])) is None
        # Private chats are users, not chats.
        private = fixture("private_text_message_plain")["message"]
        assert session.get(Chat, private["chat"]["id"]) is None

    # Several reconstructed chat_member fixtures concern one user in one chat: they were sent in file order,
    # handled in that order (one conversation), so the last one sent is the status that must remain.
    expected: dict[tuple[int, int], str] = {}
    for path in paths:
        change = json.loads(path.read_text()).get("chat_member")
        if change and change["chat"]["type"] == "supergroup":
            expected[(change["chat"]["id"], change["new_chat_member"]["user"]["id"])] = change["new_chat_member"][
                "status"
            ]
    assert len(expected) >= 2
    for (chat_id, user_id), status in expected.items():
        assert membership(url, chat_id, user_id) == status
    added = fixture("supergroup_new_chat_members_user_added_by_admin")["message"]
    for user in added["new_chat_members"]:
        assert membership(url, added["chat"]["id"], user["id"]) == "member"
    left = fixture("supergroup_left_chat_member_removed_by_admin")["message"]
    assert membership(url, left["chat"]["id"], left["left_chat_member"]["id"]) == "left"


def latest_profile(paths, user_id: int) -> dict:
    seen = []
    for path in paths:
        item = next(v for k, v in json.loads(path.read_text()).items() if k != "update_id")
        author = item.get("from") or {}
        if author.get("id") == user_id and "date" in item:
            seen.append((item["date"], author))
    return max(seen, key=lambda pair: pair[0])[1]


def message(update_id: int, chat_id: int, user_id: int, date: int = 1763700000) -> bytes:
    return json.dumps(
        {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "from": {"id": user_id, "is_bot": False, "first_name": f"User {user_id}"},
                "chat": {"id": chat_id, "type": "supergroup", "title": f"Chat {chat_id}"},
                "date": date,
                "text": "ciao",
            },
        }
    ).encode()


def test_a_duplicate_delivery_counts_once(gateway_url, platform_env, settings, tmp_path):
    url = settings.database_url_for("stats")
    with running(worker_process("stats", platform_env, tmp_path / "stats.log")):
        for _ in range(3):
            assert send(gateway_url, message(500, -100500, 7)).status_code == 200
        assert send(gateway_url, message(501, -100500, 7)).status_code == 200
        wait_until(lambda: processed(url) == 2, what="two distinct updates")
        time.sleep(0.5)
    assert total_messages(url) == 2


@pytest.mark.timeout(180)
def test_a_worker_killed_mid_batch_loses_nothing_and_counts_nothing_twice(
    gateway_url, platform_env, settings, tmp_path, redis_client
):
    url = settings.database_url_for("stats")
    chats, per_chat = 20, 150
    # Queue everything first, so that the worker is killed with work in hand and work waiting.
    update_id = 10_000
    for round_ in range(per_chat):
        for chat in range(chats):
            update_id += 1
            assert send(gateway_url, message(update_id, -100_900_000 - chat, 1000 + round_ % 7)).status_code == 200
    sent = chats * per_chat

    first = worker_process("stats", platform_env, tmp_path / "stats-1.log", concurrency=2).start()
    try:
        wait_until(lambda: processed(url) > 0, timeout=30, interval=0.01, what="the first batch")
    finally:
        first.kill()  # SIGKILL: no acknowledgement, no clean-up, transactions cut off
    done_before_restart = processed(url)
    assert done_before_restart < sent, "the worker finished before it could be killed; enlarge the load"

    with running(worker_process("stats", platform_env, tmp_path / "stats-2.log", concurrency=2)):
        # The killed worker's drain messages come back when their lease and visibility end; the sweeper and
        # redelivered tasks take over the conversations it held.
        from aula_shared import redis as aula_redis
        from aula_shared.mailbox import sweep

        def all_done() -> bool:
            sweep(aula_redis.client(settings.redis_url), "stats")
            return processed(url) == sent

        wait_until(all_done, timeout=120, interval=1, what="every update processed after the restart")
    assert total_messages(url) == sent
