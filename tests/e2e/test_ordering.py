"""Ordering across real worker processes: each chat's updates in Telegram's order, chats in parallel.

Every chat gets an alternating join/leave story of one user, all at the same second (so only the order of
handling can decide the outcome), interleaved with the other chats' stories, and drained by two worker
processes of two slots each. The membership that remains must be each story's last event.
"""

from __future__ import annotations

import json
import random

import httpx
import pytest
from e2e.conftest import TOKEN, worker_process
from sqlalchemy import func, select
from support import running, wait_until

from aula_shared.db import session_scope
from aula_stats.models import Membership, ProcessedUpdate

DATE = 1763700000


def chat_member(update_id: int, chat_id: int, user_id: int, old: str, new: str) -> bytes:
    user = {"id": user_id, "is_bot": False, "first_name": "Studente"}
    return json.dumps(
        {
            "update_id": update_id,
            "chat_member": {
                "chat": {"id": chat_id, "title": f"Corso {chat_id}", "type": "supergroup"},
                "from": user,
                "date": DATE,
                "old_chat_member": {"user": user, "status": old},
                "new_chat_member": {"user": user, "status": new},
            },
        }
    ).encode()


@pytest.mark.timeout(120)
def test_each_chat_ends_in_the_state_of_its_last_update(gateway_url, platform_env, settings, tmp_path):
    url = settings.database_url_for("stats")
    chats, steps = 30, 21
    rng = random.Random(11)
    stories = {-100_700_000 - c: ["member" if i % 2 == 0 else "left" for i in range(steps)] for c in range(chats)}
    for story in stories.values():
        story[-1] = rng.choice(["member", "left", "kicked"])
    sends = [chat for chat in stories for _ in range(steps)]
    rng.shuffle(sends)  # the chats interleave at random; each chat's own steps still go out in order
    position = dict.fromkeys(stories, 0)
    ordered = []
    for chat in sends:
        ordered.append((chat, position[chat]))
        position[chat] += 1

    with httpx.Client(timeout=5) as http:
        for update_id, (chat, step) in enumerate(ordered, start=1):
            old = "left" if step == 0 else stories[chat][step - 1]
            body = chat_member(update_id, chat, 4242, old, stories[chat][step])
            assert http.post(f"{gateway_url}/webhook", params={"token": TOKEN}, content=body).status_code == 200

    workers = [worker_process("stats", platform_env, tmp_path / f"stats-{n}.log", concurrency=2) for n in (1, 2)]
    with running(workers[0]), running(workers[1]):

        def processed() -> int:
            with session_scope(url) as session:
                return session.scalar(select(func.count()).select_from(ProcessedUpdate))

        wait_until(lambda: processed() == chats * steps, timeout=60, what="every update processed")

    with session_scope(url) as session:
        final = {m.chat_id: m.status for m in session.scalars(select(Membership).where(Membership.user_id == 4242))}
    assert final == {chat: story[-1] for chat, story in stories.items()}
