"""Erasing a person from moderation's tables: what they did to others as staff stays without them, the log chat's
outbox forgets them, a network ban against them is kept with the timer that ends it. Real PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from aula_moderation.chats.models import ManagedChat
from aula_moderation.log import log_chat
from aula_moderation.log.models import Case, LogEntry
from aula_moderation.network import jobs
from aula_moderation.network.models import BlockedUser, NetworkJob, WhitelistedBot
from aula_moderation.onboarding.models import Appeal, Trust
from aula_moderation.people.models import TelegramUser
from aula_moderation.timers.models import Timer
from aula_moderation.user_data import ModerationUserData
from aula_shared.db import session_scope

ZELDA, OTTO = 7_300_000_021, 7_300_000_022
ZELDA_PREFIXED = int(f"{ZELDA}5")  # someone whose id starts with Zelda's
BOT = 7_300_000_120
GROUP = -1_009_100_000_021


@pytest.fixture
def db(migrated_pg, clean_tables) -> str:
    with session_scope(migrated_pg) as session:
        session.add_all([
            ManagedChat(id=GROUP, bot_id=BOT, title="Analisi"),
            TelegramUser(id=ZELDA, first_name="Zelda", username="zelda_q"),
            TelegramUser(id=OTTO, first_name="Otto", username="otto_w"),
            TelegramUser(id=ZELDA_PREFIXED, first_name="Zed"),
        ])  # fmt: skip
    return migrated_pg


def logged(session, **case) -> Case:
    row = Case(**case)
    session.add(row)
    log_chat.enqueue(session, row, BOT, language="en")
    return row


def test_the_log_outbox_forgets_the_issuer_sent_entries_go_waiting_ones_lose_their_lines(db):
    with session_scope(db) as session:
        sent = logged(session, event="MODERATION_BAN", chat_id=GROUP, target_id=OTTO, issuer_id=ZELDA, reason="spam")
        waiting = logged(session, event="MODERATION_MUTE", chat_id=GROUP, target_id=OTTO, issuer_id=ZELDA,
                         reason="flood", evidence="AAAA")  # fmt: skip
        other = logged(session, event="MODERATION_WARN", chat_id=GROUP, target_id=OTTO, issuer_id=ZELDA_PREFIXED)
        session.flush()
        session.scalars(select(LogEntry).where(LogEntry.case_id == sent.id)).one().sent_at = datetime.now(UTC)
        ids = sent.id, waiting.id, other.id
    with session_scope(db) as session:
        before = {e.case_id: e.text for e in session.scalars(select(LogEntry))}
    assert "Zelda [@zelda_q]" in before[ids[1]]  # what the issue found: the outbox keeps "Issuer: name (id)"

    ModerationUserData(db).erase(ZELDA)

    with session_scope(db) as session:
        after = {e.case_id: e.text for e in session.scalars(select(LogEntry))}
        cases = {c.id: c.issuer_id for c in session.scalars(select(Case))}
    assert set(after) == {ids[1], ids[2]}  # the sent one is gone: the log chat has it, the outbox has no use for it
    lines = before[ids[1]].split("\n")
    issuer_line = [line for line in lines if f"#uid_{ZELDA}" in line]
    assert len(issuer_line) == 1 and "Issuer" in issuer_line[0]
    assert after[ids[1]] == "\n".join(line for line in lines if line not in issuer_line)  # still about Otto
    assert "Zelda" not in after[ids[1]] and "zelda_q" not in after[ids[1]] and f"#uid_{OTTO}" in after[ids[1]]
    assert after[ids[2]] == before[ids[2]]  # #uid_<Zelda's id>5 is someone else
    assert cases == {ids[0]: None, ids[1]: None, ids[2]: ZELDA_PREFIXED}


def test_what_the_person_did_to_others_as_staff_stays_without_them(db):
    now = datetime.now(UTC)
    with session_scope(db) as session:
        jobs.ban_everywhere(session, OTTO, source="superban", reason="flood", until=None, issuer_id=ZELDA)
        session.add_all([
            WhitelistedBot(username="helper_bot", whitelisted_by=ZELDA),
            Trust(user_id=OTTO, level="verified", verified_at=now, verified_by=ZELDA),
            Appeal(user_id=OTTO, bot_id=BOT, status="confirmed", decided_by=ZELDA, decided_at=now),
            # A broadcast names its sender in user_id: it reached every group and goes on without them.
            NetworkJob(kind="broadcast", user_id=ZELDA, issuer_id=ZELDA, bot_id=BOT, status="running"),
        ])  # fmt: skip
    ModerationUserData(db).erase(ZELDA)
    with session_scope(db) as session:
        assert session.get(BlockedUser, OTTO).issuer_id is None
        kept = {(job.kind, job.user_id, job.issuer_id, job.status) for job in session.scalars(select(NetworkJob))}
        assert kept == {("superban", OTTO, None, "running"), ("broadcast", 0, None, "running")}
        assert session.get(WhitelistedBot, "helper_bot").whitelisted_by is None
        assert (session.get(Trust, OTTO).level, session.get(Trust, OTTO).verified_by) == ("verified", None)
        assert (session.get(Appeal, OTTO).status, session.get(Appeal, OTTO).decided_by) == ("confirmed", None)


def test_a_timed_network_ban_is_kept_with_the_timer_that_ends_it(db):
    until = datetime.now(UTC) + timedelta(days=30)
    with session_scope(db) as session:
        jobs.ban_everywhere(session, ZELDA, source="superban", reason="spam", until=until, issuer_id=OTTO)
        jobs.ban_everywhere(session, OTTO, source="superban", reason="spam", until=until, issuer_id=ZELDA)
        jobs.lift_everywhere(session, OTTO, issuer_id=ZELDA)  # Otto's timer is done, his ban gone
    ModerationUserData(db).erase(ZELDA)
    ModerationUserData(db).erase(OTTO)
    with session_scope(db) as session:
        assert session.get(BlockedUser, ZELDA) is not None
        assert [(t.key, t.user_id) for t in session.scalars(select(Timer))] == [(f"netban:{ZELDA}", ZELDA)]
