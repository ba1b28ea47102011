"""Moderation, second part, end to end (simulator → gateway → Celery worker → simulator): ordinary messages
written per batch, /whitelistbot, /ignore_admin, the external blocklist from a URL, network jobs paced within
the per-bot limit, the staff CLI views, and a person's moderation data in `aula users export|erase`.

One world per module (the same as test_moderation_commands: simulator, gateway, two worker slots).
"""

from __future__ import annotations

import http.server
import itertools
import json
import re
import subprocess
import threading

import pytest
from e2e import test_moderation_commands as commands
from e2e.test_moderation_commands import ADA, ADMIN, BOB, MOD, STAFF_CHAT, SUPER, World
from sqlalchemy import select
from support import AULA, wait_until

from aula_moderation.chats.models import ManagedChat
from aula_moderation.log.models import Case
from aula_moderation.network import blocklist
from aula_moderation.network.models import BlockedUser, JobResult, NetworkJob, WhitelistedBot
from aula_moderation.onboarding.models import Trust
from aula_moderation.people import records as people
from aula_moderation.people.models import Membership, TelegramUser
from aula_moderation.roles import grants
from aula_shared.db import session_scope

world = commands.world  # the same module-scoped world fixture, made afresh for this module
DORA, EVE, FRANK, SPAMMER = 701, 702, 703, 704
GOOD_BOT, BAD_BOT = 7100000001, 7100000002


# After each test using the world: no update it caused failed (e2e.conftest.every_update_handled).
pytestmark = pytest.mark.usefixtures("no_update_fails")


def cli(world: World, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([AULA, *args], env=world.env, capture_output=True, text=True, timeout=60)


def membership(world: World, chat: int, user: int) -> Membership | None:
    with session_scope(world.db) as session:
        return session.get(Membership, (chat, user))


def test_ordinary_messages_are_recorded_and_a_command_right_after_sees_them(world):
    world.tg.add_user(DORA, "Dora", username="dora_new", language_code="en")
    chat = world.group()
    world.tg.set_member(chat, DORA, "member")
    with session_scope(world.db) as session:
        people.set_membership(session, chat, BOB, "left")  # what we last knew; his message proves otherwise
    for index in range(5):
        world.say(chat, DORA, f"first message {index}")
    world.say(chat, BOB, "back again")
    # Dora is known only through the messages above: resolving @dora_new needs their writes committed first.
    world.say(chat, ADMIN, "/mute @dora_new 1h")
    [mute] = world.wait_call("restrictChatMember", chat, what="the mute")
    assert mute["params"]["user_id"] == DORA
    world.settle()
    with session_scope(world.db) as session:
        dora = session.get(TelegramUser, DORA)
        assert (dora.username, dora.language_code) == ("dora_new", "en")
    assert membership(world, chat, DORA).status == "restricted"
    assert membership(world, chat, BOB).status == "member"


def test_whitelistbot_lets_anyone_add_that_bot_and_other_bots_are_removed(world):
    world.tg.add_user(GOOD_BOT, "Helper", username="good_helper_bot", is_bot=True)
    world.tg.add_user(BAD_BOT, "Spam", username="bad_spam_bot", is_bot=True)
    chat = world.group()
    world.say(chat, MOD, "/whitelistbot @bad_spam_bot")  # not a superadmin: ignored
    world.say(chat, SUPER, "/whitelistbot @good_helper_bot")
    world.settle()
    with session_scope(world.db) as session:
        assert [row.username for row in session.scalars(select(WhitelistedBot))] == ["good_helper_bot"]
        [case] = session.scalars(select(Case).where(Case.event == "WHITELIST_BOT")).all()
        assert (case.issuer_id, case.reason) == (SUPER, "@good_helper_bot")
    world.tg.join(chat, GOOD_BOT, by=ADA)
    world.tg.join(chat, BAD_BOT, by=ADA)
    wait_until(lambda: [c for c in world.calls("banChatMember", chat) if c["params"]["user_id"] == BAD_BOT])
    world.settle()
    assert [c["params"]["user_id"] for c in world.calls("banChatMember", chat)] == [BAD_BOT]
    assert world.tg.member(chat, GOOD_BOT)["status"] == "member"


def _reports_about(world: World, chat: int, since: int) -> list[dict]:
    return [
        c for c in world.calls("sendMessage", STAFF_CHAT, since=since) if f"<code>{chat}</code>" in c["params"]["text"]
    ]


def test_ignore_admin_toggles_admin_reports_for_the_chat(world):
    chat = world.group()

    def ignoring() -> bool:
        with session_scope(world.db) as session:
            return bool((session.get(ManagedChat, chat).settings or {}).get("ignore_admin_tagging"))

    world.say(chat, ADMIN, "/ignore_admin")  # an administrator is not a superadmin: ignored
    world.say(chat, SUPER, "/ignore_admin")
    wait_until(ignoring, what="@admin ignored")
    since = world.tg.last_seq()
    world.say(chat, ADA, "@admin help")
    world.settle()
    assert _reports_about(world, chat, since) == []
    world.say(chat, SUPER, "/ignore_admin")
    wait_until(lambda: not ignoring(), what="@admin reported again")
    world.say(chat, ADA, "@admin help, really")
    wait_until(lambda: _reports_about(world, chat, since), what="the report")


@pytest.fixture
def list_server(tmp_path):
    """A local HTTP server for the external blocklist: write tmp_path/list.json, fetch `url`."""
    handler = lambda *a: http.server.SimpleHTTPRequestHandler(*a, directory=str(tmp_path))  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield tmp_path / "list.json", f"http://127.0.0.1:{server.server_address[1]}/list.json"
    finally:
        server.shutdown()


def test_the_external_blocklist_is_fetched_from_a_url_and_enforced_on_sight(world, list_server):
    path, url = list_server
    world.tg.add_user(SPAMMER, "Promo", username="promo_deals")
    chat = world.group(members=(ADMIN, SPAMMER))
    with session_scope(world.db) as session:  # a /superban entry the list does not mention must stay
        session.merge(BlockedUser(user_id=990001, source="superban", reason="scam"))
    path.write_text(json.dumps({"result": [SPAMMER, 990002]}))
    synced = cli(world, "moderation", "blocklist-sync", "--url", url)
    assert synced.returncode == 0, synced.stderr
    assert "2 listed, 2 added, 0 removed" in synced.stdout
    world.say(chat, SPAMMER, "cheap followers here")
    wait_until(lambda: world.calls("banChatMember", chat), what="the listed user banned on sight")
    assert world.tg.member(chat, SPAMMER)["status"] == "kicked"
    path.write_text("990002\n")  # plain text works too; SPAMMER is off the list now
    assert "1 listed, 0 added, 1 removed" in cli(world, "moderation", "blocklist-sync", "--url", url).stdout
    with session_scope(world.db) as session:
        sources = dict(session.execute(select(BlockedUser.user_id, BlockedUser.source)).all())
    assert sources.get(990001) == "superban" and sources.get(990002) == "external" and SPAMMER not in sources
    path.write_text("<html>not a list</html>")
    refused = cli(world, "moderation", "blocklist-sync", "--url", url)
    assert refused.returncode != 0 and "blocklist not fetched" in refused.stderr


def test_parse_accepts_the_grouphelp_shape_a_list_and_lines():
    assert blocklist.parse(b'{"result": [1, "2", {"id": 3}]}') == {1, 2, 3}
    assert blocklist.parse(b"[4, 5]") == {4, 5}
    assert blocklist.parse(b"6\n7\n") == {6, 7}
    with pytest.raises(blocklist.BadBlocklist):
        blocklist.parse(b'{"ok": true}')


def test_a_network_job_keeps_the_per_bot_pace_and_staff_see_it_in_the_cli(world):
    world.tg.add_user(EVE, "Eve", username="eve_spam")
    chats_ = [world.group(members=(SUPER, EVE)) for _ in range(8)]
    for chat in chats_:
        world.say(chat, EVE, "hello")
    world.settle()
    since = world.tg.last_seq()
    world.say(chats_[0], SUPER, f"/superban {EVE} spam links")

    def finished():
        with session_scope(world.db) as session:
            job = session.scalars(select(NetworkJob).where(NetworkJob.user_id == EVE)).first()
            return job.id if job is not None and job.status == "done" else None

    job_id = wait_until(finished, what="the job")
    bans = sorted(c["time"] for c in world.calls("banChatMember", since=since) if c["params"]["user_id"] == EVE)
    assert len(bans) == len(chats_)
    assert min(b - a for a, b in itertools.pairwise(bans)) >= 1 / 30 - 0.01  # ≤ 30 calls/s per bot
    listing = cli(world, "moderation", "jobs")
    assert listing.returncode == 0, listing.stderr
    assert f"{job_id}\t" in listing.stdout and f"superban\t{EVE}\t{SUPER}\tdone\tdone {len(chats_)}" in listing.stdout
    detail = cli(world, "moderation", "jobs", str(job_id)).stdout
    assert all(f"{chat}\tCorso {chat}\tdone" in detail for chat in chats_)
    cases = cli(world, "moderation", "cases", "--user", str(EVE)).stdout
    assert "MODERATION_SUPERBAN" in cases and "network" in cases and "spam links" in cases
    assert "no network job 999999" in cli(world, "moderation", "jobs", "999999").stderr
    with session_scope(world.db) as session:
        assert session.scalar(select(JobResult.result).where(JobResult.job_id == job_id).limit(1)) == "done"


def test_users_export_and_erase_cover_moderation(world):
    world.tg.add_user(FRANK, "Frank", username="frank_w", language_code="it")
    chat = world.group(members=(ADMIN, FRANK, BOB))
    with session_scope(world.db) as session:  # Frank administers this group, and is warned himself
        grants.grant(session, FRANK, "administrator", chats=[chat])
    world.say(chat, FRANK, "ciao")
    world.say(chat, FRANK, f"/warn {BOB} off topic")
    world.say(chat, ADMIN, "/warn @frank_w flood")
    wait_until(lambda: len([c for c in world.cases(chat) if c.event == "MODERATION_WARN"]) == 2, what="the warnings")
    with session_scope(world.db) as session:  # what onboarding keeps about a person
        session.add(Trust(user_id=FRANK, level="probation"))
    exported = cli(world, "users", "export", str(FRANK))
    assert exported.returncode == 0, exported.stderr
    mine = json.loads(exported.stdout)["components"]["moderation"]
    assert mine["user"]["username"] == "frank_w"
    assert [m["chat_id"] for m in mine["memberships"]] == [chat]
    assert [(c["event"], c["as"], c["reason"]) for c in mine["cases"]] == [
        ("MODERATION_WARN", "issuer", "off topic"),
        ("MODERATION_WARN", "target", "flood"),
    ]
    assert len(mine["warnings"]) == 1
    assert mine["trust"]["level"] == "probation"
    erased = cli(world, "users", "erase", str(FRANK))
    assert erased.returncode == 0, erased.stderr
    # user, membership, role, trust, the warning and its case, the case's log entry at least
    assert int(re.search(r"^moderation: (\d+) rows erased$", erased.stdout, re.MULTILINE).group(1)) >= 7
    assert "moderation" not in json.loads(cli(world, "users", "export", str(FRANK)).stdout)["components"]
    with session_scope(world.db) as session:
        assert session.get(TelegramUser, FRANK) is None
        assert session.get(Trust, FRANK) is None
        assert session.scalars(select(Case).where(Case.target_id == FRANK)).all() == []
        assert session.scalars(select(Membership).where(Membership.user_id == FRANK)).all() == []
        # The case Frank issued about Bob stays; the erasure of its issuer only drops his id.
        [issued] = [c for c in world.cases(chat) if c.event == "MODERATION_WARN"]
        assert (issued.target_id, issued.issuer_id, issued.reason) == (BOB, None, "off topic")


# -- what the first part wrote and had not tested end to end ----------------------------------------------------


def test_the_reconciler_repairs_a_mute_lifted_by_hand(world):
    chat = world.group()
    world.say(chat, ADMIN, f"/mute {BOB} 2h")
    world.wait_call("restrictChatMember", chat, what="the mute")
    world.settle()
    world.tg.set_member(chat, BOB, "member")  # an admin lifted it in the Telegram app
    since = world.tg.last_seq()
    world.send_task("aula.moderation.reconcile")
    [repair] = world.wait_call("restrictChatMember", chat, since=since, what="the repair")
    assert repair["params"]["user_id"] == BOB and repair["params"]["until_date"] > 0
    assert world.tg.member(chat, BOB)["status"] == "restricted"


def test_a_bot_that_cannot_promote_is_reported_to_staff_once(world):
    chat = world.group()
    # The simulator's default admin rights: no can_promote_members.
    world.tg.set_member(chat, commands.BOT_ID, "administrator", rights={"can_delete_messages": True,
                                                                       "can_restrict_members": True})  # fmt: skip
    since = world.tg.last_seq()
    world.say(chat, ADMIN, "/claim")
    world.say(chat, MOD, "/claim")
    alert = wait_until(lambda: _reports_about(world, chat, since), what="the rights alert")
    world.settle()
    assert len(_reports_about(world, chat, since)) == 1
    assert "#NOT_ENOUGH_RIGHTS" in alert[0]["params"]["text"]


def test_staff_are_alerted_when_the_bot_is_removed(world):
    chat = world.group()
    since = world.tg.last_seq()
    world.tg.leave(chat, commands.BOT_ID, by=ADMIN)
    [alert] = wait_until(lambda: _reports_about(world, chat, since), what="the alert")
    assert "#BOT_STATUS_CHANGED" in alert["params"]["text"] and "kicked" in alert["params"]["text"]


def test_join_messages_go_after_the_delay_and_leave_messages_at_once(world):
    world.tg.add_user(DORA, "Dora", username="dora_new", language_code="en")
    chat = world.group(members=(ADMIN, BOB))
    with session_scope(world.db) as session:
        session.get(ManagedChat, chat).settings = {"clean_joins_min_members": 1, "join_message_delay": 1}
    joined = world.tg.join(chat, DORA)["message"]
    left = world.tg.leave(chat, BOB)["message"]
    deleted = lambda: [c["params"]["message_id"] for c in world.calls("deleteMessage", chat)]  # noqa: E731
    wait_until(lambda: left["message_id"] in deleted(), what="the leave message deleted")
    wait_until(lambda: joined["message_id"] in deleted(), timeout=20, what="the join message deleted later")
    calls = {c["params"]["message_id"]: c["time"] for c in world.calls("deleteMessage", chat)}
    assert calls[joined["message_id"]] - calls[left["message_id"]] >= 0.8


def test_a_burst_of_log_entries_becomes_digests_and_none_is_dropped(world):
    from aula_moderation.log.models import LogEntry

    with session_scope(world.db) as session:
        for index in range(60):
            session.add(LogEntry(bot_id=commands.BOT_ID, text=f"🟡 #MODERATION_WARN burst-{index}"))
    since = world.tg.last_seq()
    world.send_task("aula.moderation.flush_log")

    def all_sent() -> bool:
        with session_scope(world.db) as session:
            return not session.scalars(select(LogEntry.id).where(LogEntry.sent_at.is_(None))).first()

    wait_until(all_sent, what="every entry sent")
    sent = [c["params"]["text"] for c in world.calls("sendMessage", commands.LOG_CHAT, since=since)]
    body = "\n".join(sent)
    assert all(f"burst-{index}\n" in body + "\n" for index in range(60))
    assert any(text.startswith("🗂 #DIGEST") for text in sent) and len(sent) <= 18


def test_broadcast_is_previewed_in_private_and_sent_to_every_group_once_confirmed(world):
    chats_ = [world.group(members=(ADMIN, SUPER)) for _ in range(3)]
    world.say(chats_[0], ADMIN, "/broadcast not a superadmin")  # ignored, and deleted
    world.tg.send_text(SUPER, SUPER, "/start", bot_id=commands.BOT_ID)
    since = world.tg.last_seq()
    bold = [{"type": "bold", "offset": 19, "length": 7}]  # "sospese": the groups get it as the issuer wrote it
    world.tg.send_text(SUPER, SUPER, "/broadcast Lezioni sospese domani", bot_id=commands.BOT_ID, entities=bold)

    def private(marker: str) -> list[dict]:
        return [c for c in world.calls("sendMessage", SUPER, since=since) if marker in c["params"]["text"]]

    # Sara's Telegram sends no language: she is spoken to in the network's default (it)
    [preview] = wait_until(lambda: private("Anteprima del broadcast"), what="the preview")
    assert "Lezioni <b>sospese</b> domani" in preview["params"]["text"]
    assert not any("sospese" in text for chat in chats_ for text in notices_in(world, chat))  # nothing sent yet
    send, drop = preview["params"]["reply_markup"]["inline_keyboard"][0]
    message_id = preview["response"]["result"]["message_id"]
    world.tg.press_button(SUPER, message_id, ADMIN, send["callback_data"])  # not the issuer's press
    world.tg.press_button(SUPER, message_id, SUPER, send["callback_data"])
    world.tg.press_button(SUPER, message_id, SUPER, send["callback_data"])  # a double click sends once
    [report] = wait_until(lambda: private("consegnato"), timeout=60, what="the delivery report")
    with session_scope(world.db) as session:
        job = session.scalars(select(NetworkJob).where(NetworkJob.kind == "broadcast")).one()
        results = {r.chat_id: r.result for r in job.results}
        managed = set(session.scalars(select(ManagedChat.id).where(ManagedChat.managed.is_(True))))
    assert set(results) == managed and all(results[chat] == "done" for chat in chats_)
    assert job.bot_id == report["bot_id"] == commands.BOT_ID  # the report comes from the bot Sara wrote to
    done = sum(result == "done" for result in results.values())
    assert f"consegnato: {done} di {len(managed)} gruppi" in report["params"]["text"]
    for chat in chats_:
        sent = [c["params"] for c in world.calls("sendMessage", chat) if "sospese" in c["params"]["text"]]
        assert sent == [{**sent[0], "text": "Lezioni <b>sospese</b> domani", "parse_mode": "HTML"}]
    assert drop["callback_data"].startswith("bc:drop:")
    # The log chat hears of a broadcast once it is sent (it never did).
    wait_until(lambda: "#BROADCAST" in commands.log_texts(world), timeout=90, what="the broadcast in the log")


def notices_in(world: World, chat: int) -> list[str]:
    return [c["params"]["text"] for c in world.calls("sendMessage", chat)]
