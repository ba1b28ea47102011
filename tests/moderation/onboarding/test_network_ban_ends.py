"""A network ban with seconds left, or already over, on each path that sends it to Telegram: enforcement on
sight and a network job that runs late. Telegram reads an until_date less than 30 s away as forever."""

from __future__ import annotations

import itertools
import time
from datetime import UTC, datetime, timedelta

from moderation.onboarding.conftest import managed_group

from aula_moderation.network import jobs as network
from aula_moderation.network.models import JobResult
from aula_moderation.people import records as people
from aula_shared.db import session_scope
from aula_shared.platform.clients import BotClients
from aula_shared.settings import Settings

_chat_ids = itertools.count(-1001000000990, -1)
_users = itertools.count(9900)


def setup(inprocess) -> tuple[int, int]:
    chat_id, user_id = managed_group(inprocess, next(_chat_ids)), next(_users)
    inprocess.tg.add_user(user_id, f"User{user_id}", language_code="it")
    inprocess.tg.set_member(chat_id, user_id, "member")
    return chat_id, user_id


def bans(inprocess, chat_id: int) -> list[dict]:
    return [c["params"] for c in inprocess.tg.calls(method="banChatMember", chat_id=chat_id) if c["status"] == 200]


def test_enforcement_on_sight_with_ten_seconds_left_bans_for_a_while_not_for_ever(inprocess):
    chat, user = setup(inprocess)
    with session_scope(inprocess.db) as session:
        network.block(session, user, "superban", reason="spam", until=datetime.now(UTC) + timedelta(seconds=10),
                      issuer_id=1)  # fmt: skip
    inprocess.tg.send_text(chat, user, "sono tornato")
    inprocess.pump()
    [ban] = bans(inprocess, chat)
    assert ban["until_date"] - time.time() >= 30  # 0 or < 30 s would be for ever


def test_enforcement_on_sight_of_a_ban_already_over_bans_nobody(inprocess):
    chat, user = setup(inprocess)
    with session_scope(inprocess.db) as session:
        network.block(session, user, "superban", reason="spam", until=datetime.now(UTC) - timedelta(seconds=1),
                      issuer_id=1)  # fmt: skip
    inprocess.tg.send_text(chat, user, "sono tornato")
    inprocess.pump()
    assert bans(inprocess, chat) == []


def test_a_network_job_that_runs_late_bans_for_what_is_left_or_not_at_all(inprocess):
    clients = BotClients(Settings.from_env({"DATABASE_URL": inprocess.db, "SECRET_KEY": "x",
                                            "TELEGRAM_API_URL": inprocess.sim.url}))  # fmt: skip
    for left, banned in ((timedelta(seconds=10), True), (timedelta(seconds=-1), False)):
        chat, user = setup(inprocess)
        with session_scope(inprocess.db) as session:
            people.set_membership(session, chat, user, "member")
            job = network.ban_everywhere(session, user, source="superban", reason="spam",
                                         until=datetime.now(UTC) + left, issuer_id=1)  # fmt: skip
            job_id = job.id
        with session_scope(inprocess.db) as session:
            assert network.run_job(session, clients, job_id)
            [result] = session.query(JobResult).filter(JobResult.job_id == job_id).all()
        assert result.result == "done"
        if banned:
            [ban] = bans(inprocess, chat)
            assert ban["until_date"] - time.time() >= 30
        else:
            assert bans(inprocess, chat) == [] and result.detail == "ended before this chat's turn"
