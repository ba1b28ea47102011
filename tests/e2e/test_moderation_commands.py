"""Moderation commands end to end: the simulator POSTs real updates to the gateway, the Celery moderation worker
routes them, and what it asks Telegram (the simulator) is checked — per command, target form, permission,
duration (until_date), Telegram's 400/403/429 answers, network bans across chats, timers across a restart.

One world per module (simulator, gateway, two worker slots); each test uses chats of its own.
"""

from __future__ import annotations

import itertools
import subprocess
import time
from datetime import UTC, datetime, timedelta

import pytest
from conftest import empty_redis, truncate_tables
from e2e.conftest import world_env
from sqlalchemy import select, text
from support import AULA, Process, wait_http, wait_until

from aula_moderation.chats import records as chats
from aula_moderation.commands.models import Warning
from aula_moderation.log.models import Case, LogEntry
from aula_moderation.network.models import JobResult, NetworkJob
from aula_moderation.people.models import Membership
from aula_moderation.roles import grants
from aula_moderation.timers.models import Timer
from aula_shared.db import engine_for, session_scope
from aula_shared.dispatch import dead_letter_key
from aula_tgsim.testing import start_simulator

TOKEN = "7000000001:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
BOT_ID = 7000000001
LOG_CHAT = -1009000000001
STAFF_CHAT = -1009000000002

ADMIN = 501  # administrator, all groups
MOD = 502  # moderator, all groups
NOBODY = 503  # no role
SUPER = 504  # superadmin, all groups
ADA = 601  # a student with a username, English
BOB = 602  # Italian, with a username
ZHANG = 603  # no username, non-Latin name, a language Aula does not speak
CARL = 604

_chat_ids = itertools.count(-1001000000100, -1)
# The bot as an administrator that may also promote (special users).
BOT_RIGHTS = {
    "can_manage_chat": True,
    "can_change_info": True,
    "can_delete_messages": True,
    "can_invite_users": True,
    "can_restrict_members": True,
    "can_pin_messages": True,
    "can_promote_members": True,
    "can_manage_video_chats": True,
}


@pytest.fixture(scope="module")
def world(migrated_pg, redis_url, tmp_path_factory):
    import redis
    from e2e.conftest import worker_process

    logs = tmp_path_factory.mktemp("moderation-e2e")
    connection = redis.Redis.from_url(redis_url)
    empty_redis(connection)
    truncate_tables(migrated_pg, ("platform", "moderation"))
    with start_simulator() as sim:
        tg = sim.client
        tg.add_bot(TOKEN, username="aula_test_bot")
        for user_id, first, extra in (
            (ADMIN, "Alice", {"username": "alice_admin", "language_code": "it"}),
            (MOD, "Marco", {"username": "marco_mod", "language_code": "it"}),
            (NOBODY, "Nina", {"username": "nina_user", "language_code": "en"}),
            (SUPER, "Sara", {"username": "sara_super", "language_code": "it"}),
            (ADA, "Ada", {"username": "ada_lovelace", "language_code": "en"}),
            (BOB, "Bob", {"username": "bob_rossi", "language_code": "it"}),
            (ZHANG, "张伟", {"language_code": "zh-hans"}),
            (CARL, "Carl", {"username": "carl_gauss"}),
        ):
            tg.add_user(user_id, first, **extra)
        for chat_id in (LOG_CHAT, STAFF_CHAT):
            tg.add_chat(
                chat_id, "supergroup", title=str(chat_id), members=[{"user_id": BOT_ID, "status": "administrator"}]
            )
        env = world_env(migrated_pg, redis_url, sim.url, LOG_CHAT_ID=str(LOG_CHAT), STAFF_CHAT_ID=str(STAFF_CHAT))
        gateway = Process(["serve", "gateway"], env, logs / "gateway.log").start()
        worker = worker_process("moderation", env, logs / "moderation.log", concurrency=2).start()
        try:
            wait_http(f"http://127.0.0.1:{env['GATEWAY_PORT']}/healthz")
            added = subprocess.run(
                [
                    AULA,
                    "bots",
                    "add",
                    "--token",
                    TOKEN,
                    "--webhook-url",
                    f"http://127.0.0.1:{env['GATEWAY_PORT']}/webhook",
                ],
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert added.returncode == 0, added.stderr
            with session_scope(migrated_pg) as session:
                grants.grant(session, ADMIN, "administrator", all_groups=True, extra_groups=True)
                grants.grant(session, MOD, "moderator", all_groups=True, extra_groups=True)
                grants.grant(session, SUPER, "superadmin", all_groups=True, extra_groups=True)
            yield World(sim, tg, env, migrated_pg, worker, connection, logs)
        finally:
            worker.stop()
            gateway.stop()
            connection.close()


# After each test using the world: no update it caused failed (e2e.conftest.every_update_handled).
pytestmark = pytest.mark.usefixtures("no_update_fails")


class World:
    def __init__(self, sim, tg, env, db, worker, redis, logs):
        self.sim, self.tg, self.env, self.db, self.worker, self.redis, self.logs = sim, tg, env, db, worker, redis, logs

    def group(self, members=(ADMIN, MOD, NOBODY, SUPER, ADA, BOB, ZHANG, CARL), *, language="it", **chat) -> int:
        chat_id = next(_chat_ids)
        self.tg.add_chat(
            chat_id,
            "supergroup",
            title=f"Corso {chat_id}",
            members=[{"user_id": BOT_ID, "status": "administrator", "rights": BOT_RIGHTS}]
            + [{"user_id": m, "status": "member"} for m in members],
            **chat,
        )
        chats.manage(self.db, chat_id, BOT_ID, f"Corso {chat_id}", language)
        return chat_id

    def say(self, chat_id: int, user_id: int, text: str, **extra) -> dict:
        return self.tg.send_text(chat_id, user_id, text, **extra)["message"]

    def calls(self, method: str, chat_id: int | None = None, since: int = 0) -> list[dict]:
        return [c for c in self.tg.calls(method=method, chat_id=chat_id, since=since) if c["status"] == 200]

    def wait_call(self, method: str, chat_id: int | None = None, since: int = 0, what: str = "", timeout=30.0):
        return wait_until(lambda: self.calls(method, chat_id, since), timeout=timeout, what=what or method)

    def settle(self) -> None:
        """Every update delivered and handled (nothing left in the moderation mailboxes)."""
        assert self.tg.wait_delivered(BOT_ID, timeout=30)
        wait_until(lambda: not list(self.redis.scan_iter("aula:mbox:moderation:*")), timeout=30, what="mailboxes")

    def cases(self, chat_id: int) -> list[Case]:
        with session_scope(self.db) as session:
            return list(session.scalars(select(Case).where(Case.chat_id == chat_id).order_by(Case.id)))

    def send_task(self, name: str, args=()) -> None:
        from aula_moderation.worker import QUEUE
        from aula_shared.celery import make_celery
        from aula_shared.settings import Settings

        make_celery("test", Settings.from_env(self.env)).send_task(name, args=list(args), queue=QUEUE)


def notices(world: World, chat_id: int) -> list[str]:
    return [c["params"]["text"] for c in world.calls("sendMessage", chat_id)]


def log_texts(world: World) -> str:
    return "\n".join(c["params"]["text"] for c in world.calls("sendMessage", LOG_CHAT))


def queued_for_log(world: World) -> str:
    """What the log chat is sent or will be: the outbox. The module's many cases spend the log chat's 18 messages
    a minute early, so waiting for the message itself would wait for the budget; the first tests check that the
    outbox reaches the chat (tests/moderation/log test the flush itself)."""
    with session_scope(world.db) as session:
        return "\n".join(session.scalars(select(LogEntry.text)))


# -- target forms, permitted ------------------------------------------------------------------------------------


def test_ban_by_reply_is_permanent_deletes_the_command_and_is_logged(world):
    chat = world.group()
    spam = world.say(chat, ADA, "buy cheap followers")
    command = world.say(chat, ADMIN, "/ban spam", reply_to_message_id=spam["message_id"])
    [ban] = world.wait_call("banChatMember", chat)
    assert ban["params"]["user_id"] == ADA and ban["params"].get("until_date", 0) == 0
    assert world.tg.member(chat, ADA)["status"] == "kicked"
    assert world.tg.member(chat, ADA).get("until_date", 0) == 0
    deleted = wait_until(lambda: [c["params"]["message_id"] for c in world.calls("deleteMessage", chat)])
    assert command["message_id"] in deleted
    [notice] = wait_until(lambda: notices(world, chat), what="the notice")
    assert "permanently banned from the group" in notice and "Ada" in notice and "spam" in notice  # Ada's language
    wait_until(lambda: "#MODERATION_BAN" in log_texts(world), timeout=90, what="the log")
    assert f"#uid_{ADA}" in log_texts(world) and f"#gid_{str(chat)[1:]}" in log_texts(world)
    [case] = wait_until(lambda: world.cases(chat))
    assert (case.event, case.target_id, case.issuer_id, case.reason) == ("MODERATION_BAN", ADA, ADMIN, "spam")
    assert case.evidence == "buy cheap followers"
    with session_scope(world.db) as session:
        wait_until(lambda: session.get(Membership, (chat, ADA)) is not None)
    with session_scope(world.db) as session:
        assert session.get(Membership, (chat, ADA)).status == "kicked"


def test_mute_by_username_with_a_duration_sets_until_date_and_a_durable_timer(world):
    chat = world.group()
    world.say(chat, ADA, "hello")  # so that @ada_lovelace is known
    world.settle()
    before = time.time()
    world.say(chat, MOD, "/mute @ada_lovelace 2h flooding")
    [mute] = world.wait_call("restrictChatMember", chat)
    assert mute["params"]["user_id"] == ADA
    assert mute["params"]["permissions"]["can_send_messages"] is False
    assert before + 7200 - 5 <= mute["params"]["until_date"] <= time.time() + 7200 + 5
    member = world.tg.member(chat, ADA)
    assert member["status"] == "restricted" and member["until_date"] == mute["params"]["until_date"]
    with session_scope(world.db) as session:
        timer = wait_until(lambda: session.scalars(select(Timer).where(Timer.key == f"unmute:{chat}:{ADA}")).first())
        assert abs(timer.due_at.timestamp() - mute["params"]["until_date"]) <= 2
    [notice] = wait_until(lambda: notices(world, chat))
    assert "muted in the group for 2h" in notice


def test_kick_several_targets_by_numeric_id(world):
    chat = world.group()
    world.say(chat, ADMIN, f"/kick {BOB} {CARL} off topic")
    wait_until(lambda: len(world.calls("unbanChatMember", chat)) == 2, what="two kicks")
    assert {c["params"]["user_id"] for c in world.calls("unbanChatMember", chat)} == {BOB, CARL}
    assert all("only_if_banned" not in c["params"] for c in world.calls("unbanChatMember", chat))
    assert world.tg.member(chat, BOB)["status"] == "left"
    texts = wait_until(lambda: len(notices(world, chat)) == 2 and notices(world, chat))
    assert any("espulso dal gruppo" in t for t in texts)  # Bob speaks Italian


def test_text_mention_of_a_user_without_username_in_the_group_language(world):
    chat = world.group(language="it")
    body = "/ban 张伟 1w"
    user = {"id": ZHANG, "is_bot": False, "first_name": "张伟", "language_code": "zh-hans"}
    entities = [
        {"type": "bot_command", "offset": 0, "length": 4},
        {"type": "text_mention", "offset": 5, "length": 2, "user": user},
    ]
    before = time.time()
    world.say(chat, ADMIN, body, entities=entities)
    [ban] = world.wait_call("banChatMember", chat)
    assert ban["params"]["user_id"] == ZHANG
    assert before + 7 * 86400 - 5 <= ban["params"]["until_date"] <= time.time() + 7 * 86400 + 5
    [notice] = wait_until(lambda: notices(world, chat))
    assert "espulso dal gruppo per 1w" in notice  # zh is not spoken: the group's Italian


def test_a_forum_topic_gets_its_notice_in_the_same_thread(world):
    chat = world.group(is_forum=True)
    message = world.say(chat, ADA, "spam in a topic", message_thread_id=7)
    world.say(chat, ADMIN, "/warn", message_thread_id=7, reply_to_message_id=message["message_id"])
    [notice] = world.wait_call("sendMessage", chat)
    assert notice["params"]["message_thread_id"] == 7
    assert "warned (1/3)" in notice["params"]["text"]


# -- permissions and syntax -------------------------------------------------------------------------------------


def test_without_permission_the_command_is_ignored(world):
    chat = world.group()
    seq = world.tg.last_seq()
    nobody = world.say(chat, NOBODY, f"/ban {ADA}")
    moderator_ban = world.say(chat, MOD, f"/ban {ADA}")  # moderators may mute, not ban
    world.say(chat, MOD, f"/superban {ADA}")
    world.settle()
    assert world.calls("banChatMember", chat, since=seq) == []
    assert world.calls("sendMessage", chat, since=seq) == []
    deleted = [c["params"]["message_id"] for c in world.calls("deleteMessage", chat, since=seq)]
    assert nobody["message_id"] not in deleted and moderator_ban["message_id"] not in deleted
    assert world.cases(chat) == []
    world.say(chat, MOD, f"/mute {ADA}")  # but a moderator may mute: permanent, until_date 0
    [mute] = world.wait_call("restrictChatMember", chat, since=seq)
    assert mute["params"].get("until_date", 0) == 0
    assert world.tg.member(chat, ADA).get("until_date", 0) == 0


def test_wrong_syntax_gets_a_short_usage_reply(world):
    chat = world.group()
    bad = world.say(chat, ADMIN, "/ban")
    world.say(chat, ADMIN, "/mute 601 400d")
    world.say(chat, ADMIN, "/kick @nobody_knows_me")
    wait_until(lambda: len(notices(world, chat)) == 3, what="three usage replies")
    texts = notices(world, chat)
    assert any(t.startswith("❓ Uso: <code>/ban") for t in texts)  # Alice speaks Italian
    assert any("Durata non valida" in t for t in texts)
    assert any("@nobody_knows_me non trovato" in t for t in texts)
    assert bad["message_id"] in [c["params"]["message_id"] for c in world.calls("deleteMessage", chat)]
    assert world.calls("banChatMember", chat) == [] and world.calls("restrictChatMember", chat) == []


def test_anonymous_admins_and_channel_posts_are_never_moderated(world):
    chat = world.group()
    seq = world.tg.last_seq()
    anonymous = {
        "message_id": 900,
        "from": {"id": 1087968824, "is_bot": True, "first_name": "Group", "username": "GroupAnonymousBot"},
        "sender_chat": {"id": chat, "title": f"Corso {chat}", "type": "supergroup"},
        "chat": {"id": chat, "title": f"Corso {chat}", "type": "supergroup"},
        "date": int(time.time()),
        "text": f"/ban {ADA}",
        "entities": [{"type": "bot_command", "offset": 0, "length": 4}],
    }
    world.tg.raw_update(BOT_ID, {"update_id": 1, "message": anonymous})
    forward = {
        "message_id": 901,
        "from": {"id": 777000, "is_bot": False, "first_name": "Telegram"},
        "sender_chat": {"id": -1001900000002, "title": "News", "type": "channel"},
        "chat": {"id": chat, "title": f"Corso {chat}", "type": "supergroup"},
        "date": int(time.time()),
        "is_automatic_forward": True,
        "text": "New post",
    }
    reply = {
        "message_id": 902,
        "from": {"id": ADMIN, "is_bot": False, "first_name": "Alice", "username": "alice_admin", "language_code": "it"},
        "chat": {"id": chat, "title": f"Corso {chat}", "type": "supergroup"},
        "date": int(time.time()),
        "text": "/ban",
        "entities": [{"type": "bot_command", "offset": 0, "length": 4}],
        "reply_to_message": forward,
    }
    world.tg.raw_update(BOT_ID, {"update_id": 2, "message": forward})
    world.tg.raw_update(BOT_ID, {"update_id": 3, "message": reply})
    [usage] = wait_until(lambda: notices(world, chat), what="the cannot-target reply")
    assert "non è di un utente" in usage
    world.settle()
    assert world.calls("banChatMember", chat, since=seq) == []
    assert world.redis.llen(dead_letter_key("moderation")) == 0
    with session_scope(world.db) as session:
        ids = set(session.scalars(select(Membership.user_id).where(Membership.chat_id == chat)))
    assert not ids & {1087968824, 777000}


# -- star, del, info ----------------------------------------------------------------------------------------------


def test_star_forwards_the_evidence_then_deletes_the_replied_message(world):
    chat = world.group()
    spam = world.say(chat, BOB, "click my link")
    seq = world.tg.last_seq()
    world.say(chat, ADMIN, "/warn* link spam", reply_to_message_id=spam["message_id"])
    wait_until(lambda: spam["message_id"] in [c["params"]["message_id"] for c in world.calls("deleteMessage", chat)])
    [forward] = world.wait_call("forwardMessage", LOG_CHAT, since=seq)
    assert forward["params"]["message_id"] == spam["message_id"]
    deletion = next(c for c in world.calls("deleteMessage", chat) if c["params"]["message_id"] == spam["message_id"])
    assert forward["seq"] < deletion["seq"]  # forwarded before it was deleted
    wait_until(lambda: "#MODERATION_WARN*" in log_texts(world), timeout=90, what="starred log entry")
    [case] = wait_until(lambda: world.cases(chat))
    assert case.message_deleted and case.starred and case.evidence == "click my link"


def test_del_deletes_the_replied_message_and_info_reports_in_private(world):
    chat = world.group()
    message = world.say(chat, CARL, "something rude")
    world.say(chat, MOD, "/del", reply_to_message_id=message["message_id"])
    wait_until(lambda: message["message_id"] in [c["params"]["message_id"] for c in world.calls("deleteMessage", chat)])
    assert wait_until(lambda: [c for c in world.cases(chat) if c.event == "MODERATION_DEL"])
    world.tg.send_text(MOD, MOD, "/start", bot_id=BOT_ID)  # the issuer must have started the bot
    world.say(chat, MOD, f"/info {CARL}")
    [report] = world.wait_call("sendMessage", MOD)
    assert f"<code>{CARL}</code>" in report["params"]["text"] and "@carl_gauss" in report["params"]["text"]
    assert str(chat) in report["params"]["text"]
    assert notices(world, chat) == []  # /info posts nothing in the group


# -- warnings ----------------------------------------------------------------------------------------------------


def test_the_third_warning_mutes_for_a_day_and_the_count_starts_again(world):
    chat = world.group()
    for n in range(3):
        world.say(chat, ADMIN, f"/warn {BOB} strike {n}")
        wait_until(lambda n=n: len([c for c in world.cases(chat) if c.event == "MODERATION_WARN"]) == n + 1)
    [mute] = world.wait_call("restrictChatMember", chat)
    assert mute["params"]["user_id"] == BOB
    assert abs(mute["params"]["until_date"] - (time.time() + 86400)) < 60
    texts = wait_until(lambda: len(notices(world, chat)) == 4 and notices(world, chat))
    assert any("ammonito (3/3)" in t for t in texts) and any("silenziato nel gruppo per 1d" in t for t in texts)
    with session_scope(world.db) as session:
        active = session.scalars(
            select(Warning).where(Warning.chat_id == chat, Warning.user_id == BOB, Warning.cleared_at.is_(None))
        ).all()
    assert active == []


# -- Telegram's refusals ----------------------------------------------------------------------------------------


def test_a_400_is_recorded_as_not_enough_rights_without_a_notice(world):
    chat = world.group()
    world.tg.inject_fault(
        "banChatMember", 400, "Bad Request: not enough rights to restrict/unrestrict chat member", chat_id=chat
    )
    world.say(chat, ADMIN, f"/ban {ADA}")
    case = wait_until(lambda: world.cases(chat))
    assert case[0].event == "NOT_ENOUGH_RIGHTS" and "not enough rights" in case[0].reason
    world.settle()
    assert notices(world, chat) == []
    assert world.redis.llen(dead_letter_key("moderation")) == 0


def test_a_403_on_the_notice_is_an_outcome_and_a_429_is_waited_out(world):
    chat = world.group()
    world.tg.inject_fault("sendMessage", 403, "Forbidden: bot was kicked from the supergroup chat", chat_id=chat)
    world.say(chat, ADMIN, f"/kick {ADA}")
    world.wait_call("unbanChatMember", chat)
    wait_until(lambda: [c for c in world.tg.calls(method="sendMessage", chat_id=chat) if c["status"] == 403])
    chat2 = world.group()
    world.tg.inject_fault("sendMessage", 429, retry_after=2, chat_id=chat2)
    world.say(chat2, ADMIN, f"/kick {ADA}")
    world.wait_call("sendMessage", chat2, timeout=40)
    attempts = world.tg.calls(method="sendMessage", chat_id=chat2)
    assert [a["status"] for a in attempts] == [429, 200]
    assert len(world.calls("unbanChatMember", chat2)) == 1  # the retry did not kick twice
    assert world.redis.llen(dead_letter_key("moderation")) == 0


# -- network bans -----------------------------------------------------------------------------------------------


def test_superban_is_a_tracked_job_enforced_again_on_join_and_undone_by_superfree(world):
    chats_ = [world.group() for _ in range(4)]
    for chat in chats_[:3]:
        world.say(chat, CARL, "hi")
    world.tg.inject_fault(
        "banChatMember", 400, "Bad Request: not enough rights to restrict/unrestrict chat member", chat_id=chats_[2]
    )
    world.settle()
    world.say(chats_[0], SUPER, f"/superban {CARL} scam")
    with session_scope(world.db) as session:
        job = wait_until(lambda: session.scalars(select(NetworkJob).where(NetworkJob.user_id == CARL)).first())
        job_id = job.id

    def results():
        with session_scope(world.db) as session:
            rows = session.scalars(select(JobResult).where(JobResult.job_id == job_id)).all()
            return {r.chat_id: r.result for r in rows} if rows and all(r.result != "pending" for r in rows) else None

    by_chat = wait_until(results, what="the job's results")
    by_chat = {chat: result for chat, result in by_chat.items() if chat in chats_}  # Carl is in others' chats too
    assert by_chat == {chats_[0]: "done", chats_[1]: "done", chats_[2]: "no_rights"}
    assert world.tg.member(chats_[1], CARL)["status"] == "kicked"
    # The fourth chat never saw Carl write: when he does, he is banned at once; a fifth, when he joins.
    world.say(chats_[3], CARL, "am I still here?")
    wait_until(lambda: world.calls("banChatMember", chats_[3]), what="enforcement on a message")
    assert world.tg.member(chats_[3], CARL)["status"] == "kicked"
    fifth = world.group(members=(SUPER,))
    world.tg.join(fifth, CARL)
    wait_until(lambda: world.calls("banChatMember", fifth), what="enforcement on join")
    assert world.tg.member(fifth, CARL)["status"] == "kicked"
    # A ban enforced on sight is a case in the log chat too (it never reached it).
    wait_until(lambda: "#NETWORK_BAN_ENFORCED" in queued_for_log(world), what="enforcement in the log")
    world.say(chats_[0], SUPER, f"/superfree {CARL}")
    wait_until(lambda: world.tg.member(chats_[1], CARL)["status"] == "left", what="superfree")
    assert world.tg.member(chats_[3], CARL)["status"] == "left"


# -- timers across a restart ------------------------------------------------------------------------------------


def test_a_temporary_mute_is_lifted_by_its_timer_even_across_a_worker_restart(world):
    chat = world.group()
    world.say(chat, ADMIN, f"/mute {ADA} 30m")
    world.wait_call("restrictChatMember", chat)
    world.settle()
    world.worker.kill()
    world.worker.start()
    with engine_for(world.db).begin() as db:  # 30 minutes pass
        db.execute(
            text("UPDATE moderation_timers SET due_at = :now WHERE key = :key"),
            {"now": datetime.now(UTC) - timedelta(seconds=1), "key": f"unmute:{chat}:{ADA}"},
        )
    world.send_task("aula.moderation.timers")
    wait_until(lambda: len(world.calls("restrictChatMember", chat)) == 2, timeout=60, what="the unmute")
    lift = world.calls("restrictChatMember", chat)[1]
    assert lift["params"]["permissions"]["can_send_messages"] is True
    assert world.tg.member(chat, ADA)["status"] == "member"

    def timer_done() -> bool:  # committed just after the call reached Telegram
        with session_scope(world.db) as session:
            timer = session.scalars(select(Timer).where(Timer.key == f"unmute:{chat}:{ADA}")).one()
            return timer.done_at is not None

    wait_until(timer_done, what="the timer marked done")


# -- roles, special users, migration, @admin --------------------------------------------------------------------


def test_roles_grant_cli_promotes_with_the_merged_rights_and_title(world):
    chat = world.group(members=(ADMIN, BOB))
    with session_scope(world.db) as session:
        chats.set_scopes(session, chat, ["informatica"], None)
    world.say(chat, BOB, "ciao")
    world.settle()
    run = subprocess.run(
        [AULA, "roles", "grant", str(BOB), "representative", "--degree", "informatica", "--title", "🎓 Lista Uno"],
        env=world.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert "degree informatica" in run.stdout
    [promote] = world.wait_call("promoteChatMember", chat)
    assert promote["params"]["user_id"] == BOB and promote["params"]["can_pin_messages"] is True
    assert promote["params"].get("can_restrict_members") in (False, None)
    [title] = world.wait_call("setChatAdministratorCustomTitle", chat)
    assert title["params"]["custom_title"] == "Lista Uno"
    assert world.tg.member(chat, BOB)["custom_title"] == "Lista Uno"
    bad = subprocess.run([AULA, "roles", "grant", str(BOB), "king"], env=world.env, capture_output=True, text=True)
    assert bad.returncode != 0 and len(bad.stderr.strip().splitlines()) == 1


def test_a_migrated_group_keeps_its_records(world):
    old = next(_chat_ids)
    world.tg.add_chat(
        old,
        "group",
        title="Old",
        members=[
            {"user_id": BOT_ID, "status": "administrator"},
            {"user_id": ADA, "status": "member"},
            {"user_id": ADMIN, "status": "member"},
        ],
    )
    chats.manage(world.db, old, BOT_ID, "Old", "it")
    world.say(old, ADA, "hello")
    world.say(old, ADMIN, f"/warn {ADA}")
    wait_until(lambda: world.cases(old))
    new = next(_chat_ids)
    world.tg.migrate(old, new)
    with session_scope(world.db) as session:
        wait_until(lambda: chats.find(world.db, new) is not None and chats.find(world.db, new).managed)
    assert [c.event for c in world.cases(new)] == ["MODERATION_WARN"]
    with session_scope(world.db) as session:
        assert session.get(Membership, (new, ADA)) is not None
        assert session.scalars(select(Warning).where(Warning.chat_id == new)).first() is not None


def test_admin_reports_reach_the_staff_chat_with_a_link(world):
    chat = world.group()
    message = world.say(chat, CARL, "offensive")
    call = world.say(chat, ADA, "@admin help", reply_to_message_id=message["message_id"])
    [report] = world.wait_call("sendMessage", STAFF_CHAT)
    body = report["params"]["text"]
    assert f"https://t.me/c/{str(chat).removeprefix('-100')}/{message['message_id']}" in body
    assert f"tg://user?id={ADMIN}" in body and f"tg://user?id={MOD}" in body
    [thanks] = wait_until(lambda: notices(world, chat))
    assert "Thanks for your report" in thanks
    assert call["message_id"] in [c["params"]["message_id"] for c in world.calls("deleteMessage", chat)]


def test_unwarn_takes_back_the_latest_warning_and_says_when_there_is_none(world):
    chat = world.group()
    for n in range(2):
        world.say(chat, ADMIN, f"/warn {BOB} strike {n}")
        wait_until(lambda n=n: len([c for c in world.cases(chat) if c.event == "MODERATION_WARN"]) == n + 1)
    world.say(chat, ADMIN, f"/unwarn {BOB} given by mistake")
    [case] = wait_until(lambda: [c for c in world.cases(chat) if c.event == "MODERATION_UNWARN"])
    assert (case.target_id, case.issuer_id, case.reason) == (BOB, ADMIN, "given by mistake")
    texts = wait_until(lambda: len(notices(world, chat)) == 3 and notices(world, chat), what="three notices")
    assert "graziato di un'ammonizione (1/3)" in texts[-1]  # Bob's language
    with session_scope(world.db) as session:
        active = session.scalars(
            select(Warning).where(Warning.chat_id == chat, Warning.user_id == BOB, Warning.cleared_at.is_(None))
        ).all()
    assert len(active) == 1
    world.say(chat, ADMIN, f"/unwarn {CARL}")
    wait_until(lambda: len(notices(world, chat)) == 4, what="the usage reply")
    assert "non ha ammonizioni attive qui" in notices(world, chat)[-1]  # Carl has no language: the group's
    wait_until(lambda: "#MODERATION_UNWARN" in queued_for_log(world), what="the log")


def test_help_lists_what_the_issuer_may_use_here_and_nobody_else_gets_an_answer(world):
    chat = world.group()
    world.say(chat, NOBODY, "/help")  # no role: ignored, like any command without permission
    world.say(chat, MOD, "/help")
    [text] = wait_until(lambda: notices(world, chat), what="the help notice")
    assert "/mute" in text and "/del" in text and "/claim" in text
    assert "/ban" not in text and "/superban" not in text
    world.settle()
    assert len(notices(world, chat)) == 1


def test_a_network_wide_setting_reaches_every_group_without_its_own(world):
    from aula_moderation.chats import settings as group_settings

    chat, own = world.group(), world.group()
    with session_scope(world.db) as session:
        group_settings.set_group(session, own, warn_limit=3)
    result = subprocess.run([AULA, "settings", "set", "--network", "warn_limit=2"], env=world.env,
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    assert result.returncode == 0, result.stderr
    try:
        time.sleep(group_settings.CACHE_SECONDS + 0.5)  # the worker reads settings at most this often
        for target in (chat, own):
            for n in range(2):
                world.say(target, ADMIN, f"/warn {BOB} strike {n}")
                wait_until(
                    lambda n=n, t=target: len([c for c in world.cases(t) if c.event == "MODERATION_WARN"]) == n + 1
                )
        [mute] = world.wait_call("restrictChatMember", chat, what="the mute at the network's limit of 2")
        assert mute["params"]["user_id"] == BOB
        world.settle()
        assert world.calls("restrictChatMember", own) == []  # its own limit of 3 is not reached
    finally:
        subprocess.run([AULA, "settings", "reset", "--network"], env=world.env, capture_output=True, timeout=60)


def test_kick_in_a_basic_group_removes_the_member(world):
    chat = next(_chat_ids)
    members = [{"user_id": BOT_ID, "status": "administrator", "rights": BOT_RIGHTS}]
    members += [{"user_id": ADMIN, "status": "member"}, {"user_id": CARL, "status": "member"}]
    world.tg.add_chat(chat, "group", title=f"Gruppo {chat}", members=members)
    chats.manage(world.db, chat, BOT_ID, f"Gruppo {chat}", "it")
    world.say(chat, ADMIN, f"/kick {CARL}")
    wait_until(lambda: world.tg.member(chat, CARL)["status"] in ("kicked", "left"), what="Carl removed")
    [case] = wait_until(lambda: world.cases(chat))
    assert case.event == "MODERATION_KICK"  # not a refusal recorded as NOT_ENOUGH_RIGHTS / TELEGRAM_ERROR


def test_admin_calls_reach_the_staff_chat_once_a_minute_per_user(world):
    chat = world.group()
    since = world.tg.last_seq()
    for n in range(3):
        world.say(chat, ZHANG, f"@admin {n}")
    world.settle()
    reports = [c for c in world.calls("sendMessage", STAFF_CHAT, since=since)]
    assert len(reports) == 1  # the staff chat takes ~20 messages a minute for the whole network
    deleted = [c["params"]["message_id"] for c in world.calls("deleteMessage", chat)]
    assert len(deleted) >= 3  # every call is still cleaned up
