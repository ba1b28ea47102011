"""The batch handler on real PostgreSQL: profile history, last seen, joins and leaves, the bots' chats."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select, text
from stats.updates import BOT_ID, DAY, chat, ingest, joined, left, member_update, message, user

from aula_shared.db import session_scope
from aula_stats.models import Chat, ChatBot, Membership, MembershipChanges, ProfileChange, TelegramUser

TODAY = datetime.fromtimestamp(DAY, UTC).date()


def history(url: str, user_id: int) -> list[tuple[str, str | None]]:
    with session_scope(url) as session:
        rows = session.scalars(
            select(ProfileChange).where(ProfileChange.user_id == user_id).order_by(ProfileChange.seen_at)
        )
        return [(row.first_name, row.username) for row in rows]


def changes(url: str, chat_id: int, day: date = TODAY) -> tuple[int, int] | None:
    with session_scope(url) as session:
        row = session.get(MembershipChanges, (day, chat_id))
        return (row.joins, row.leaves) if row else None


def test_profiles_are_stored_first_and_then_only_when_they_change(stats_url):
    ada, renamed = user(1, "Ada", username="ada"), user(1, "Ada", username="spam_deals")
    ingest(stats_url, message(-100, ada, DAY), message(-100, ada, DAY + 1), message(-100, renamed, DAY + 2))
    ingest(stats_url, message(-100, renamed, DAY + 3), message(-100, ada, DAY + 4))
    assert history(stats_url, 1) == [("Ada", "ada"), ("Ada", "spam_deals"), ("Ada", "ada")]


def test_an_old_update_drained_late_leaves_no_equal_neighbours(stats_url):
    ada, bea = user(2, "Ada"), user(2, "Bea")
    ingest(stats_url, message(-101, bea, DAY + 100))
    # From another chat, older: Ada, then Bea again before the stored sighting of Bea.
    ingest(stats_url, message(-102, ada, DAY + 10), message(-102, bea, DAY + 50))
    assert history(stats_url, 2) == [("Ada", None), ("Bea", None)]
    with session_scope(stats_url) as session:
        kept = session.scalars(select(ProfileChange.seen_at).where(ProfileChange.user_id == 2)).all()
    assert max(kept) == datetime.fromtimestamp(DAY + 50, UTC)


def test_last_seen_follows_the_latest_update_wherever_it_was(stats_url):
    ada = user(3, "Ada", language_code="it", is_premium=True)
    ingest(stats_url, message(-103, ada, DAY + 500))
    ingest(stats_url, message(-104, ada, DAY + 100))  # older, drained later
    with session_scope(stats_url) as session:
        stored = session.get(TelegramUser, 3)
        assert stored.last_seen == datetime.fromtimestamp(DAY + 500, UTC)
        assert (stored.language_code, stored.is_premium) == ("it", True)
        assert session.get(Membership, (-104, 3)).last_seen == datetime.fromtimestamp(DAY + 100, UTC)


def test_a_join_seen_twice_counts_once_and_a_leave_counts(stats_url):
    ada = user(4, "Ada")
    ingest(stats_url, joined(-105, ada), member_update(-105, ada, "left", "member"))
    assert changes(stats_url, -105) == (1, 0)
    ingest(stats_url, left(-105, ada, DAY + 60), member_update(-105, ada, "member", "left", DAY + 60))
    assert changes(stats_url, -105) == (1, 1)
    # Someone who joined before Aula watched: the leave counts, and so does coming back.
    bea = user(5, "Bea")
    ingest(stats_url, member_update(-105, bea, "member", "left", DAY + 70), joined(-105, bea, DAY + 80))
    assert changes(stats_url, -105) == (2, 2)
    # A promotion is not a join.
    ingest(stats_url, member_update(-105, bea, "member", "administrator", DAY + 90))
    assert changes(stats_url, -105) == (2, 2)


def test_a_redelivered_batch_changes_nothing(stats_url):
    ada = user(6, "Ada")
    batch = [joined(-106, ada), message(-106, ada), member_update(-106, user(6, "Ada X"), "member", "left")]
    ingest(stats_url, *batch)
    ingest(stats_url, *batch)
    assert changes(stats_url, -106) == (1, 1)
    assert history(stats_url, 6) == [("Ada", None), ("Ada X", None)]
    with session_scope(stats_url) as session:
        assert session.execute(text("SELECT messages FROM daily_chat_activity WHERE chat_id = -106")).scalar() == 1


def test_the_bots_presence_in_chats_comes_from_their_updates(stats_url):
    ingest(stats_url, message(-107, user(7)), bot_id=BOT_ID)
    ingest(stats_url, message(-107, user(7)), bot_id=555)
    bot = {"id": BOT_ID, "is_bot": True, "first_name": "Aula"}
    kicked = member_update(-107, bot, "administrator", "left", DAY + 5, kind="my_chat_member")
    ingest(stats_url, kicked, bot_id=BOT_ID)
    with session_scope(stats_url) as session:
        assert session.get(ChatBot, (-107, BOT_ID)).status == "left"
        assert session.get(ChatBot, (-107, 555)).status == "member"
    ingest(stats_url, message(-107, user(7), DAY + 10), bot_id=BOT_ID)  # back in the chat
    with session_scope(stats_url) as session:
        assert session.get(ChatBot, (-107, BOT_ID)).status == "member"


def test_a_migrated_group_remembers_its_new_id(stats_url):
    group = message(-108, user(8), migrate_to_chat_id=-1000000000108)
    group["message"]["chat"] = {"id": -108, "type": "group", "title": "Old"}
    ingest(stats_url, group)
    with session_scope(stats_url) as session:
        assert session.get(Chat, -108).migrated_to == -1000000000108


def test_daily_chat_activity_is_one_row_per_group_and_day(stats_url):
    ada, bea = user(9, "Ada"), user(10, "Bea")
    private = message(9, ada)
    private["message"]["chat"] = {"id": 9, "type": "private", "first_name": "Ada"}
    ingest(
        stats_url,
        joined(-109, ada),
        message(-109, ada),
        message(-109, ada),
        message(-109, bea),
        message(-109, bea, DAY + 86400),
        left(-109, bea, DAY + 86400),
        private,
    )
    with session_scope(stats_url) as session:
        rows = session.execute(
            text("SELECT day, chat_id, messages, active_users, joins, leaves FROM daily_chat_activity ORDER BY day")
        ).all()
    next_day = datetime.fromtimestamp(DAY + 86400, UTC).date()
    assert [tuple(row) for row in rows] == [(TODAY, -109, 3, 2, 1, 0), (next_day, -109, 1, 1, 0, 1)]


def test_chat_and_title_are_kept(stats_url):
    update = message(-110, user(11))
    update["message"]["chat"] = chat(-110, "Analisi I")
    ingest(stats_url, update)
    with session_scope(stats_url) as session:
        assert session.get(Chat, -110).title == "Analisi I"


def test_a_batch_gathered_from_several_chats_keeps_each_users_newest_facts(stats_url):
    # A drain may gather quiet chats into one batch: chat -105's updates come first, though they are newer.
    ada, bea = user(6, "Ada", username="ada"), user(6, "Bea", username="ada")
    ingest(stats_url, message(-105, bea, DAY + 900), message(-106, ada, DAY + 100), message(-106, bea, DAY + 200))
    with session_scope(stats_url) as session:
        stored = session.get(TelegramUser, 6)
        assert stored.first_name == "Bea"
        assert stored.first_seen == datetime.fromtimestamp(DAY + 100, UTC)
        assert stored.last_seen == datetime.fromtimestamp(DAY + 900, UTC)
    assert history(stats_url, 6) == [("Ada", "ada"), ("Bea", "ada")]
    with session_scope(stats_url) as session:
        kept = session.scalars(select(ProfileChange.seen_at).where(ProfileChange.user_id == 6)).all()
    assert max(kept) == datetime.fromtimestamp(DAY + 200, UTC)  # when Bea first appeared, not the later sighting


def test_a_pooled_connection_that_died_is_replaced_and_the_batch_counted_once(stats_url):
    ingest(stats_url, message(-107, user(7), DAY))  # leaves a connection in the worker's pool (no pre-ping)
    with session_scope(stats_url) as session:  # as a database restart would: every other backend goes
        session.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    again = message(-107, user(7), DAY + 1)
    ingest(stats_url, again)
    ingest(stats_url, again)  # a redelivery
    with session_scope(stats_url) as session:
        assert (
            session.execute(text("SELECT sum(messages) FROM stats_message_counts WHERE chat_id = -107")).scalar() == 2
        )


def test_an_update_without_a_date_does_not_outrank_dated_ones_in_its_batch(stats_url):
    nick, ada = user(8, "Nick"), user(8, "Ada")
    inline_query = {"update_id": 1_900_001, "inline_query": {"id": "1", "from": nick, "query": "", "offset": ""}}
    ingest(stats_url, inline_query, message(-108, ada, DAY), message(-109, user(9, "Bea"), DAY))
    ingest(
        stats_url,
        {
            **inline_query,
            "update_id": 1_900_002,
            "inline_query": {**inline_query["inline_query"], "from": user(9, "Bo")},
        },
    )
    with session_scope(stats_url) as session:
        assert session.get(TelegramUser, 8).first_name == "Ada"  # dated in 2025, yet not beaten by "now"
        assert session.get(TelegramUser, 9).first_name == "Bo"  # alone, an undated sighting is the newest
