"""Group sync against the Bot API simulator: chat facts, admins, events to the catalog, and Telegram refusing."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from stats.updates import ingest, message, user
from support import wait_until

from aula_shared.db import session_scope
from aula_shared.platform.clients import BotClients
from aula_shared.platform.registry import save_bot
from aula_shared.settings import Settings
from aula_stats.group_sync import FACTS_QUEUE, FACTS_TASK, PHOTO_MAX_BYTES, GroupSync, flood_key
from aula_stats.models import Chat, ChatBot, ChatPhoto, Membership
from aula_tgsim.testing import start_simulator

TOKEN = "7000000001:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
BOT = 7000000001
PHOTO = {
    "small_file_id": "small-1",
    "small_file_unique_id": "su-1",
    "big_file_id": "big-1",
    "big_file_unique_id": "bu-1",
}


@pytest.fixture
def sim():
    with start_simulator(config={"rate_limits": {"enabled": False}}) as simulator:
        simulator.client.add_bot(TOKEN, username="aula_bot")
        for user_id, name in ((42, "Ada"), (43, "Bea")):
            simulator.client.add_user(user_id, name)
        yield simulator


@pytest.fixture
def sync(sim, stats_url, redis_url, redis_client):
    settings = Settings(database_url=stats_url, redis_url=redis_url, telegram_api_url=sim.url, secret_key="x")
    save_bot(stats_url, BOT, "aula_bot", TOKEN)
    return GroupSync(stats_url, redis_client, BotClients(settings), interval=timedelta(hours=1), per_run=10)


def add_group(sim, chat_id: int, kind: str = "supergroup", bot_status: str = "administrator", **fields) -> None:
    members = [{"user_id": 42, "status": "creator"}, {"user_id": 43, "status": "member"}]
    if bot_status:
        members.append({"user_id": BOT, "status": bot_status})
    sim.client.add_chat(chat_id, kind, members=members, **fields)


def seen_by_the_bot(url: str, chat_id: int, kind: str = "supergroup") -> None:
    update = message(chat_id, user(43, "Bea"))
    update["message"]["chat"]["type"] = kind
    ingest(url, update, bot_id=BOT)


def published(redis_client) -> list[dict]:
    events = []
    for raw in reversed(redis_client.lrange(FACTS_QUEUE, 0, -1)):  # LPUSH: oldest last
        envelope = json.loads(raw)
        assert envelope["headers"]["task"] == FACTS_TASK
        args, kwargs, _ = json.loads(envelope["body"])
        assert kwargs == {} and len(args) == 1
        events.append(args[0])
    return events


def test_a_sync_stores_the_chat_its_admins_and_tells_the_catalog(sim, sync, stats_url, redis_client):
    add_group(sim, -1001, title="Analisi I", description="Il gruppo", invite_link="https://t.me/+abc", photo=PHOTO)
    seen_by_the_bot(stats_url, -1001)
    now = datetime(2026, 11, 22, 10, tzinfo=UTC)
    report = sync.run(now)
    assert report.synced == [-1001] and report.published == [-1001]
    with session_scope(stats_url) as session:
        chat = session.get(Chat, -1001)
        assert (chat.title, chat.description, chat.invite_link) == ("Analisi I", "Il gruppo", "https://t.me/+abc")
        assert (chat.photo_file_id, chat.photo_unique_id, chat.member_count) == ("big-1", "bu-1", 3)
        assert chat.synced_at == now
        assert session.get(Membership, (-1001, 42)).status == "creator"
        assert session.get(Membership, (-1001, 43)).status == "member"
    assert published(redis_client) == [
        {
            "chat_id": -1001,
            "title": "Analisi I",
            "invite_link": "https://t.me/+abc",
            "member_count": 3,
            "photo": "bu-1",
            "observed_at": now.isoformat(),
        }
    ]

    # Not due again within the interval; past it, nothing changed, nothing published.
    assert sync.run(now + timedelta(minutes=30)).synced == []
    assert sync.run(now + timedelta(hours=2)).published == []
    # A new title and a demoted creator: the catalog hears of the title, the membership follows.
    sim.client.set_member(-1001, 42, "member")
    sim.client.set_member(-1001, 43, "administrator")
    sync.clients.for_bot(BOT).call("setChatTitle", chat_id=-1001, title="Analisi 1")
    assert sync.run(now + timedelta(hours=4)).published == [-1001]
    assert published(redis_client)[-1]["title"] == "Analisi 1"
    with session_scope(stats_url) as session:
        assert session.get(Membership, (-1001, 42)).status == "member"
        assert session.get(Membership, (-1001, 43)).status == "administrator"


def test_a_bot_that_is_not_in_the_chat_any_more_stops_syncing_it(sim, sync, stats_url, redis_client):
    add_group(sim, -1002, bot_status="")
    seen_by_the_bot(stats_url, -1002)
    report = sync.run()
    assert report.synced == [] and -1002 in report.refused
    with session_scope(stats_url) as session:
        assert session.get(ChatBot, (-1002, BOT)).status == "left"
        assert session.get(Chat, -1002).sync_error
    assert sync.due(datetime.now(UTC) + timedelta(days=1)) == []
    assert published(redis_client) == []


def test_a_migrated_group_is_followed_to_its_supergroup(sim, sync, stats_url, redis_client):
    add_group(sim, -3003, kind="group", title="Fisica")
    seen_by_the_bot(stats_url, -3003, kind="group")
    sim.client.migrate(-3003, to_chat_id=-1003003)
    report = sync.run()
    assert report.migrated == {-3003: -1003003}
    assert report.synced == [-1003003]
    with session_scope(stats_url) as session:
        assert session.get(Chat, -3003).migrated_to == -1003003
        new = session.get(Chat, -1003003)
        assert (new.type, new.title, new.member_count) == ("supergroup", "Fisica", 3)
    assert [event["chat_id"] for event in published(redis_client)] == [-1003003]
    assert [chat for chat, _ in sync.due(datetime.now(UTC) + timedelta(days=1))] == [-1003003]


def test_a_429_storm_pauses_the_sync_and_it_resumes_after(sim, sync, stats_url, redis_client):
    for chat_id in (-1004, -1005, -1006):
        add_group(sim, chat_id)
        seen_by_the_bot(stats_url, chat_id)
    sim.client.inject_fault("getChat", 429, times=1000, retry_after=1)
    before = sim.client.last_seq()
    report = sync.run()
    assert report.synced == [] and report.flood_waits == {BOT: 1.0}
    # One chat was tried (three times: the rate limiter retries twice); the others waited for the pause.
    assert len(sim.client.calls(method="getChat", since=before)) == 3
    assert redis_client.exists(flood_key(BOT))
    assert sync.run().synced == []  # paused: Telegram not even asked
    assert len(sim.client.calls(method="getChat", since=before)) == 3

    sim.client.clear_faults()
    wait_until(lambda: not redis_client.exists(flood_key(BOT)), timeout=10, what="the pause to end")
    assert sorted(sync.run().synced) == [-1006, -1005, -1004]
    with session_scope(stats_url) as session:
        synced = session.scalars(select(Chat.id).where(Chat.synced_at.is_not(None))).all()
    assert sorted(synced) == [-1006, -1005, -1004]


# -- the chat's photo ---------------------------------------------------------------------------------------


def stored_photo(url: str, chat_id: int) -> ChatPhoto | None:
    with session_scope(url) as session:
        return session.get(ChatPhoto, chat_id)


def served_photo(sim, photo: dict) -> bytes:
    """The bytes the simulator serves for a ChatPhoto's big size, fetched as any client would."""
    status, answer = sim.client.bot_api(TOKEN, "getFile", file_id=photo["big_file_id"])
    assert status == 200
    return sim.client.download(TOKEN, answer["result"]["file_path"]).content


def downloads(sim, since: int = 0) -> int:
    return len(sim.client.calls(method="download", since=since))


def test_the_photo_is_stored_once_and_again_only_when_it_changes(sim, sync, stats_url):
    add_group(sim, -1003, photo=True)
    seen_by_the_bot(stats_url, -1003)
    now = datetime(2026, 11, 22, 10, tzinfo=UTC)
    assert sync.run(now).photos == [-1003]
    first = sim.client.chat(-1003)["photo"]
    photo = stored_photo(stats_url, -1003)
    assert (photo.file_unique_id, photo.content_type, photo.fetched_at) == (
        first["big_file_unique_id"],
        "image/png",
        now,
    )
    assert photo.content == served_photo(sim, first) and photo.size == len(photo.content)

    # Synced again, photo unchanged: no getFile, no download.
    before = sim.client.last_seq()
    report = sync.run(now + timedelta(hours=2))
    assert report.synced == [-1003] and report.photos == []
    assert sim.client.calls(method="getFile", since=before) == [] and downloads(sim, before) == 0
    assert stored_photo(stats_url, -1003).fetched_at == now

    # A new photo: downloaded once more, replacing the stored one.
    second = sim.client.set_chat_photo(-1003)
    later = now + timedelta(hours=4)
    assert sync.run(later).photos == [-1003]
    photo = stored_photo(stats_url, -1003)
    assert (photo.file_unique_id, photo.fetched_at) == (second["big_file_unique_id"], later)
    assert photo.content == served_photo(sim, second) != served_photo(sim, first)

    # The chat drops its photo: the last one is kept (stats_chats says it is not current).
    sim.client.delete_chat_photo(-1003)
    assert sync.run(now + timedelta(hours=6)).photos == []
    assert stored_photo(stats_url, -1003).file_unique_id == second["big_file_unique_id"]
    with session_scope(stats_url) as session:
        assert session.get(Chat, -1003).photo_unique_id is None


def test_a_failed_download_keeps_the_old_photo_logs_no_token_and_is_tried_again(sim, sync, stats_url, caplog):
    add_group(sim, -1003, photo=True)
    seen_by_the_bot(stats_url, -1003)
    now = datetime(2026, 11, 22, 10, tzinfo=UTC)
    sync.run(now)
    old = stored_photo(stats_url, -1003)
    sim.client.set_chat_photo(-1003)
    for error_code in (500, 404):  # Telegram's file server down, then the file gone
        sim.client.inject_fault("download", error_code)
        now += timedelta(hours=2)
        with caplog.at_level(logging.WARNING, logger="aula_stats.group_sync"):
            report = sync.run(now)
        assert report.synced == [-1003] and list(report.photo_failures) == [-1003]
        kept = stored_photo(stats_url, -1003)
        assert (kept.file_unique_id, kept.content, kept.fetched_at) == (old.file_unique_id, old.content, old.fetched_at)
        warnings = [r for r in caplog.records if r.getMessage() == "chat photo not downloaded"]
        assert warnings and warnings[-1].chat_id == -1003
    assert TOKEN.split(":")[1] not in caplog.text
    assert all(TOKEN.split(":")[1] not in str(vars(record)) for record in caplog.records)
    # The fault is used up: the next sync fetches the new photo.
    assert sync.run(now + timedelta(hours=2)).photos == [-1003]
    assert stored_photo(stats_url, -1003).file_unique_id == sim.client.chat(-1003)["photo"]["big_file_unique_id"]


def test_a_photo_over_the_size_limit_is_not_downloaded(sim, sync, stats_url):
    add_group(sim, -1003)
    sim.client.set_chat_photo(-1003, size=PHOTO_MAX_BYTES + 1)
    seen_by_the_bot(stats_url, -1003)
    report = sync.run(datetime(2026, 11, 22, 10, tzinfo=UTC))
    assert report.synced == [-1003] and report.photo_failures == {-1003: "too big"}
    assert stored_photo(stats_url, -1003) is None
    assert downloads(sim) == 0  # getFile told the size: nothing fetched
