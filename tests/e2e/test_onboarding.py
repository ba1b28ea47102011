"""Onboarding end to end: the simulator POSTs real updates to the gateway, the Celery moderation worker routes
them through onboarding's handlers, and what the bot asks Telegram (the simulator) is checked.

CAPTCHA in each mode passing, failing and timing out, several newcomers at once, a worker restart with CAPTCHAs
pending; welcome templates once per period; MozIta's rules gate, probation, peer verification and block button;
forbidden words; antiflood; join requests; appeals; anonymous admins and channel forwards never filtered.
Timeouts are per group and short here (seconds).
"""

from __future__ import annotations

import itertools
import subprocess
import time
from datetime import UTC, datetime, timedelta

import pytest
from conftest import empty_redis, truncate_tables
from e2e.conftest import BOT_RIGHTS, world_env
from sqlalchemy import select, text
from support import AULA, Process, wait_http, wait_until

from aula_moderation.chats import records as chats
from aula_moderation.log.models import Case
from aula_moderation.network.models import BlockedUser
from aula_moderation.onboarding import filters, settings, welcome
from aula_moderation.onboarding.models import Appeal, Captcha, Trust
from aula_moderation.roles import grants
from aula_shared.db import engine_for, session_scope
from aula_shared.dispatch import dead_letter_key
from aula_tgsim.testing import start_simulator

TOKEN = "7000000002:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
BOT_ID = 7000000002
STAFF_CHAT = -1009000000012
ADMIN = 501
VERA = 510  # a verified member
SARA = 502  # a superadmin: may network-ban
_users = itertools.count(800)
_chat_ids = itertools.count(-1001000000500, -1)


@pytest.fixture(scope="module")
def world(migrated_pg, redis_url, tmp_path_factory):
    import redis
    from e2e.conftest import worker_process

    logs = tmp_path_factory.mktemp("onboarding-e2e")
    connection = redis.Redis.from_url(redis_url)
    empty_redis(connection)
    truncate_tables(migrated_pg, ("platform", "moderation"))
    with start_simulator(config={"rate_limits": {"enabled": False}}) as sim:
        tg = sim.client
        tg.add_bot(TOKEN, username="aula_onboarding_bot")
        tg.add_user(ADMIN, "Alice", username="alice_admin", language_code="it")
        tg.add_user(VERA, "Vera", username="vera_v", language_code="en")
        tg.add_user(SARA, "Sara", username="sara_super", language_code="it")
        tg.add_chat(STAFF_CHAT, "supergroup", title="Staff", members=[{"user_id": BOT_ID, "status": "administrator"}])
        env = world_env(migrated_pg, redis_url, sim.url, STAFF_CHAT_ID=str(STAFF_CHAT))
        gateway = Process(["serve", "gateway"], env, logs / "gateway.log").start()
        worker = worker_process("moderation", env, logs / "moderation.log", concurrency=2).start()
        try:
            wait_http(f"http://127.0.0.1:{env['GATEWAY_PORT']}/healthz")
            url = f"http://127.0.0.1:{env['GATEWAY_PORT']}/webhook"
            added = subprocess.run(
                [AULA, "bots", "add", "--token", TOKEN, "--webhook-url", url],
                env=env, capture_output=True, text=True, timeout=60,
            )  # fmt: skip
            assert added.returncode == 0, added.stderr
            with session_scope(migrated_pg) as session:
                grants.grant(session, ADMIN, "administrator", all_groups=True, extra_groups=True)
                grants.grant(session, SARA, "superadmin", all_groups=True, extra_groups=True)
                session.add(Trust(user_id=VERA, level="verified", clean_messages=0))
            yield World(sim, tg, env, migrated_pg, worker, connection)
        finally:
            worker.stop()
            gateway.stop()
            connection.close()


# After each test using the world: no update it caused failed (e2e.conftest.every_update_handled).
pytestmark = pytest.mark.usefixtures("no_update_fails")


class World:
    def __init__(self, sim, tg, env, db, worker, redis):
        self.sim, self.tg, self.env, self.db, self.worker, self.redis = sim, tg, env, db, worker, redis

    def user(self, first="Newbie", language="en", **extra) -> int:
        user_id = next(_users)
        self.tg.add_user(user_id, f"{first}{user_id}", language_code=language, **extra)
        return user_id

    def started_bot(self, user_id: int) -> None:
        """The user opened the bot in private. (Telegram lets a bot write to a join-request applicant first; the
        simulator does not, so applicants start the bot in these tests.)"""
        self.tg.send_text(user_id, user_id, "hello", bot_id=BOT_ID)

    def group(self, members=(ADMIN, VERA), **config) -> int:
        chat_id = next(_chat_ids)
        self.tg.add_chat(
            chat_id,
            "supergroup",
            title=f"Corso {chat_id}",
            members=[{"user_id": BOT_ID, "status": "administrator", "rights": BOT_RIGHTS}]
            + [{"user_id": m, "status": "member"} for m in members],
        )
        chats.manage(self.db, chat_id, BOT_ID, f"Corso {chat_id}", "it")
        with session_scope(self.db) as session:
            settings.save(session, chat_id, **config)
        return chat_id

    def calls(self, method: str, chat_id: int | None = None, since: int = 0) -> list[dict]:
        return [c for c in self.tg.calls(method=method, chat_id=chat_id, since=since) if c["status"] == 200]

    def wait_call(self, method: str, chat_id: int | None = None, since: int = 0, count: int = 1, timeout=30.0):
        return wait_until(
            lambda: len(self.calls(method, chat_id, since)) >= count and self.calls(method, chat_id, since),
            timeout=timeout,
            what=f"{count} × {method}",
        )

    def bot_messages(self, chat_id: int, containing: str = "") -> list[dict]:
        return [
            m
            for m in self.tg.messages(chat_id)
            if m["sender_id"] == BOT_ID and not m["deleted"] and containing in (m["message"].get("text") or "")
        ]

    def wait_bot_message(self, chat_id: int, containing: str = "", timeout=30.0) -> dict:
        found = wait_until(lambda: self.bot_messages(chat_id, containing), timeout=timeout, what=repr(containing))
        return found[-1]

    def press(self, chat_id: int, message: dict, user_id: int, data: str | None = None) -> dict:
        """Press a button (the first callback button, or the one with `data`); the bot's answer once given."""
        pressed = self.tg.press_button(chat_id, message["message_id"], user_id, data)
        query_id = pressed["callback_query_id"]
        return wait_until(lambda: self.tg.callback_query(query_id).get("answer"), what="the callback answer")

    def say(self, chat_id: int, user_id: int, body: str, **extra) -> dict:
        return self.tg.send_text(chat_id, user_id, body, **extra)["message"]

    def is_deleted(self, chat_id: int, message_id: int) -> bool:
        return any(m["message_id"] == message_id and m["deleted"] for m in self.tg.messages(chat_id))

    def settle(self) -> None:
        assert self.tg.wait_delivered(BOT_ID, timeout=30)
        wait_until(lambda: not list(self.redis.scan_iter("aula:mbox:moderation:*")), timeout=30, what="mailboxes")

    def captcha(self, chat_id: int, user_id: int) -> Captcha | None:
        with session_scope(self.db) as session:
            return session.scalars(
                select(Captcha).where(Captcha.chat_id == chat_id, Captcha.user_id == user_id).order_by(Captcha.id)
            ).first()


def buttons(message: dict) -> list[dict]:
    return [b for row in message["message"]["reply_markup"]["inline_keyboard"] for b in row]


def restricted(world: World, chat: int, user: int) -> bool:
    member = world.tg.member(chat, user)
    return member["status"] == "restricted" and member["can_send_messages"] is False


# -- CAPTCHA: button ------------------------------------------------------------------------------------------


def test_button_captcha_only_the_newcomer_may_press_and_solving_lifts_the_restriction_and_greets(world):
    chat = world.group(captcha="button", welcome=True, welcome_delete_after=1)
    newbie = world.user()
    world.tg.join(chat, newbie)
    challenge = world.wait_bot_message(chat, "press the button")
    assert restricted(world, chat, newbie)
    [press] = buttons(challenge)
    assert press["text"] == "✅ I am not a bot"
    refused = world.press(chat, challenge, VERA, press["callback_data"])
    assert refused["show_alert"] is True and "not allowed" in refused["text"]
    assert restricted(world, chat, newbie)
    solved = world.press(chat, challenge, newbie, press["callback_data"])
    assert "welcome" in solved["text"].lower()
    wait_until(lambda: world.tg.member(chat, newbie)["status"] == "member", what="the restriction lifted")
    wait_until(lambda: world.is_deleted(chat, challenge["message_id"]), what="the CAPTCHA deleted")
    greeting = world.wait_bot_message(chat, "Welcome")
    assert f"tg://user?id={newbie}" in greeting["message"]["text"] or newbie_in_entities(greeting, newbie)
    wait_until(lambda: world.is_deleted(chat, greeting["message_id"]), timeout=30, what="the welcome deleted")
    assert world.captcha(chat, newbie).status == "solved"
    with session_scope(world.db) as session:
        assert session.get(Trust, newbie).level == "probation"  # solving accepted the rules


def newbie_in_entities(message: dict, user_id: int) -> bool:
    return any((e.get("user") or {}).get("id") == user_id for e in message["message"].get("entities", []))


def test_button_captcha_times_out_with_a_ban(world):
    chat = world.group(captcha="button", captcha_timeout=2, captcha_action="ban")
    newbie = world.user()
    world.tg.join(chat, newbie)
    challenge = world.wait_bot_message(chat, "press the button")
    started = time.time()
    [ban] = world.wait_call("banChatMember", chat)
    assert time.time() - started >= 0.5  # not at once: when the time ran out
    assert ban["params"]["user_id"] == newbie and world.calls("unbanChatMember", chat) == []
    assert world.tg.member(chat, newbie)["status"] == "kicked"
    wait_until(lambda: world.is_deleted(chat, challenge["message_id"]), what="the CAPTCHA deleted")
    assert world.captcha(chat, newbie).status == "expired"


# -- CAPTCHA: math ----------------------------------------------------------------------------------------------


def _math(world: World, chat: int, newbie: int, asks: str = "what is") -> tuple[dict, str, list[str]]:
    challenge = world.wait_bot_message(chat, asks)
    # The message goes out before its row commits (a button press waits behind it in the chat's mailbox).
    row = wait_until(lambda: world.captcha(chat, newbie), what="the CAPTCHA's row")
    wrong = [o for o in row.options if o != row.answer]
    assert len(row.options) == 4 and row.answer in row.options
    assert {b["text"] for b in buttons(challenge)} == set(row.options)
    return challenge, row.answer, wrong


def test_math_captcha_passes_with_the_right_answer_after_a_wrong_one(world):
    chat = world.group(captcha="math", captcha_attempts=2)
    newbie = world.user(language="it")
    world.tg.join(chat, newbie)
    challenge, right, wrong = _math(world, chat, newbie, asks="quanto fa")
    data = {b["text"]: b["callback_data"] for b in buttons(challenge)}
    first = world.press(chat, challenge, newbie, data[wrong[0]])
    assert first["show_alert"] and "ancora 1 tentativo." in first["text"]  # one attempt: singular (ngettext)
    assert restricted(world, chat, newbie)
    world.press(chat, challenge, newbie, data[right])
    wait_until(lambda: world.tg.member(chat, newbie)["status"] == "member", what="released")
    assert world.captcha(chat, newbie).status == "solved"


def test_math_captcha_fails_after_the_attempt_limit_and_kicks(world):
    chat = world.group(captcha="math", captcha_attempts=1, captcha_action="kick")
    newbie = world.user()
    world.tg.join(chat, newbie)
    challenge, _right, wrong = _math(world, chat, newbie)
    data = {b["text"]: b["callback_data"] for b in buttons(challenge)}
    answer = world.press(chat, challenge, newbie, data[wrong[0]])
    assert answer["show_alert"] and "Wrong answer" in answer["text"]
    world.wait_call("unbanChatMember", chat)
    [ban] = world.calls("banChatMember", chat)
    assert ban["params"]["user_id"] == newbie
    assert world.tg.member(chat, newbie)["status"] == "left"  # kicked: may come back
    assert world.captcha(chat, newbie).status == "failed"


def test_math_captcha_times_out_and_keeps_the_newcomer_muted_when_so_configured(world):
    chat = world.group(captcha="math", captcha_timeout=2, captcha_action="mute")
    newbie = world.user()
    world.tg.join(chat, newbie)
    challenge, _right, _wrong = _math(world, chat, newbie)
    wait_until(lambda: world.captcha(chat, newbie).status == "expired", timeout=30, what="expiry")
    wait_until(lambda: world.is_deleted(chat, challenge["message_id"]), what="the CAPTCHA deleted")
    assert restricted(world, chat, newbie)
    assert world.calls("banChatMember", chat) == []


def test_several_newcomers_each_get_their_own_captcha(world):
    chat = world.group(captcha="button")
    newcomers = [world.user() for _ in range(3)]
    for user in newcomers:
        world.tg.join(chat, user)
    challenges = wait_until(
        lambda: len(world.bot_messages(chat, "press the button")) == 3 and world.bot_messages(chat, "press the button")
    )
    by_user = {int(buttons(m)[0]["callback_data"].split(":")[2]): m for m in challenges}  # ob:c:<captcha id>:ok
    rows = {user: world.captcha(chat, user) for user in newcomers}
    assert len({row.id for row in rows.values()}) == 3
    for user in newcomers:
        message = by_user[rows[user].id]
        other = next(u for u in newcomers if u != user)
        assert world.press(chat, message, other)["show_alert"]  # another newcomer cannot solve it
        world.press(chat, message, user)
    wait_until(lambda: all(world.tg.member(chat, u)["status"] == "member" for u in newcomers), what="all released")


def test_a_join_storm_shares_one_captcha_message_and_each_newcomer_answers_for_themselves(world):
    chat = world.group(captcha="button", captcha_timeout=5, captcha_action="kick")
    newcomers = [world.user() for _ in range(6)]
    for user in newcomers:
        world.tg.join(chat, user)
    personal = wait_until(lambda: len(world.bot_messages(chat, "press the button")) == 3 and True)
    storm = world.wait_bot_message(chat, "premete il pulsante")  # the group's language: one message for many
    world.settle()
    assert personal and len(world.bot_messages(chat, "premete il pulsante")) == 1
    stormers = newcomers[3:]
    assert {world.captcha(chat, u).message_id for u in stormers} == {storm["message_id"]}
    assert world.press(chat, storm, VERA)["show_alert"]  # not a newcomer of this message
    world.press(chat, storm, stormers[1])
    world.press(chat, storm, stormers[2])
    wait_until(lambda: all(world.tg.member(chat, u)["status"] == "member" for u in stormers[1:]), what="released")
    assert restricted(world, chat, stormers[0]) and not world.is_deleted(chat, storm["message_id"])
    wait_until(lambda: world.tg.member(chat, stormers[0])["status"] == "left", timeout=30, what="the idle one kicked")
    wait_until(lambda: world.is_deleted(chat, storm["message_id"]), what="the shared message deleted at last")


def test_pending_captchas_resume_after_a_worker_restart_with_their_remaining_time(world):
    chat = world.group(captcha="button", captcha_timeout=10, captcha_action="kick")
    newcomers = [world.user(), world.user()]
    for user in newcomers:
        world.tg.join(chat, user)
    wait_until(lambda: len(world.bot_messages(chat, "press the button")) == 2, what="two CAPTCHAs")
    world.settle()
    world.worker.kill()  # the countdown messages die with it
    due = max(world.captcha(chat, u).due_at for u in newcomers)
    world.redis.delete(*world.redis.keys("aula:onboarding:wake:*"))
    time.sleep(1)
    world.worker.start()
    wait_until(lambda: len(world.calls("unbanChatMember", chat)) == 2, timeout=40, what="both kicked after restart")
    kicked_at = max(c["time"] for c in world.calls("banChatMember", chat))
    # With their remaining time: not at once on restart, and not forgotten until some later sweep.
    assert due.timestamp() - 1 <= kicked_at <= due.timestamp() + 8, (due, kicked_at)
    # Telegram hears of the kick before the worker commits the CAPTCHA's end: wait for the commit.
    wait_until(lambda: {world.captcha(chat, u).status for u in newcomers} == {"expired"}, what="both expired")
    assert all(world.tg.member(chat, u)["status"] == "left" for u in newcomers)


def test_a_newcomer_who_leaves_drops_the_captcha(world):
    chat = world.group(captcha="button", captcha_timeout=2)
    newbie = world.user()
    world.tg.join(chat, newbie)
    challenge = world.wait_bot_message(chat, "press the button")
    world.tg.leave(chat, newbie)
    wait_until(lambda: world.captcha(chat, newbie).status == "left", what="dropped")
    wait_until(lambda: world.is_deleted(chat, challenge["message_id"]), what="deleted")
    time.sleep(2.5)  # past the timeout: nothing happens to someone who left
    assert world.calls("banChatMember", chat) == []


# -- welcome ----------------------------------------------------------------------------------------------------


def test_welcome_template_per_language_once_per_period_with_link_buttons(world):
    chat = world.group(welcome=True, welcome_delete_after=0, welcome_period=3600)
    with session_scope(world.db) as session:
        welcome.save_template(
            session, chat, "en", "{greetings} <b>{first}</b> to {title}! <script>x</script> {rules}",
            [["Website", "https://studentiunimi.it"]],
        )  # fmt: skip
    newbie = world.user(first="Zoë<")
    world.tg.join(chat, newbie)
    greeting = world.wait_bot_message(chat, "Welcome")
    body = greeting["message"]["text"]
    assert f"Zoë<{newbie}" in body and "<script>x</script>" in body and f"Corso {chat}" in body
    assert buttons(greeting)[0]["url"] == "https://studentiunimi.it"
    world.tg.leave(chat, newbie)
    world.tg.join(chat, newbie)
    world.tg.set_member(chat, newbie, "restricted", permissions={"can_send_messages": False})
    world.settle()
    assert len(world.bot_messages(chat, "Welcome")) == 1  # not again within the period
    italian = world.user(language="it")
    world.tg.join(chat, italian)
    world.wait_bot_message(chat, "Benvenuto")  # no Italian template: the built-in one


# -- MozIta's rules gate, probation, peer verification, block, appeals ------------------------------------------


def test_rules_gate_probation_and_peer_verification(world):
    chat = world.group(rules_gate=True, verify_min_seconds=30)
    other_chat = world.group(rules_gate=True)
    newbie = world.user(language="it")
    world.tg.join(chat, newbie)
    gate_message = world.wait_bot_message(chat, "Mostra regolamento")
    assert [b["text"] for b in buttons(gate_message)] == ["Mostra regolamento ⏬", "Blocca utente ❌"]
    early = world.say(chat, newbie, "hello before reading")
    wait_until(lambda: world.is_deleted(chat, early["message_id"]), what="deleted before accepting")
    show = buttons(gate_message)[0]["callback_data"]
    refused = world.press(chat, gate_message, VERA, show)
    assert refused["show_alert"] and "not allowed to press" in refused["text"]  # in the presser's language
    world.press(chat, gate_message, newbie, show)
    probation = world.wait_bot_message(chat, "solo testo")
    assert world.is_deleted(chat, gate_message["message_id"])
    assert len(buttons(probation)) == 3
    kept = world.say(chat, newbie, "ciao a tutti")
    link = world.say(chat, newbie, "hi https://x.org")
    command = world.say(chat, newbie, "/start")
    wait_until(lambda: world.is_deleted(chat, link["message_id"]), what="the link deleted")
    wait_until(lambda: world.is_deleted(chat, command["message_id"]), what="the command deleted")
    sender = {"id": newbie, "is_bot": False, "first_name": f"Newbie{newbie}", "language_code": "it"}
    base = {
        "from": sender,
        "chat": {"id": chat, "type": "supergroup", "title": f"Corso {chat}"},
        "date": int(time.time()),
    }
    photo = {**base, "message_id": 5000, "photo": [{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}]}
    sticker = {**base, "message_id": 5001, "sticker": {
        "file_id": "s", "file_unique_id": "s", "type": "regular", "width": 1, "height": 1, "is_animated": False,
        "is_video": False,
    }}  # fmt: skip
    world.tg.raw_update(BOT_ID, {"update_id": 1, "message": photo})
    world.tg.raw_update(BOT_ID, {"update_id": 2, "message": sticker})
    world.settle()
    asked_to_delete = {c["params"]["message_id"] for c in world.tg.calls(method="deleteMessage", chat_id=chat)}
    assert 5000 in asked_to_delete and 5001 not in asked_to_delete  # media out, stickers in
    assert not world.is_deleted(chat, kept["message_id"])
    confirm = buttons(probation)[1]["callback_data"]
    assert world.press(chat, probation, newbie, confirm)["show_alert"]  # not by themselves
    wait = world.press(chat, probation, VERA, confirm)
    assert wait["show_alert"] and "seconds left" in wait["text"]  # Vera speaks English
    with engine_for(world.db).begin() as db:  # 30 seconds pass
        db.execute(
            text("UPDATE moderation_trust SET accepted_at = :t WHERE user_id = :u"),
            {"t": datetime.now(UTC) - timedelta(seconds=31), "u": newbie},
        )
    world.press(chat, probation, VERA, confirm)
    world.wait_bot_message(chat, "ha verificato l'identità")
    with session_scope(world.db) as session:
        assert session.get(Trust, newbie).verified_by == VERA
    world.tg.set_member(other_chat, newbie, "member")
    link_elsewhere = world.say(other_chat, newbie, "https://x.org everywhere now")
    world.settle()
    assert not world.is_deleted(other_chat, link_elsewhere["message_id"])  # verified in every group


def test_probation_ends_by_itself_after_enough_clean_messages(world):
    chat = world.group(rules_gate=True, verify_after_messages=2)
    newbie = world.user()
    with session_scope(world.db) as session:
        session.add(Trust(user_id=newbie, level="probation", accepted_at=datetime.now(UTC), clean_messages=0))
    world.tg.set_member(chat, newbie, "member")
    world.say(chat, newbie, "one")
    world.say(chat, newbie, "two")
    wait_until(lambda: _level(world, newbie) == "verified", what="verified")
    link = world.say(chat, newbie, "https://x.org")
    world.settle()
    assert not world.is_deleted(chat, link["message_id"])


def _level(world: World, user_id: int) -> str | None:
    with session_scope(world.db) as session:
        row = session.get(Trust, user_id)
        return row.level if row else None


def test_block_button_bans_across_the_network_and_the_appeal_reaches_staff_once(world):
    chat = world.group(rules_gate=True)
    second = world.group(rules_gate=True)
    spammer = world.user(language="it")
    world.tg.set_member(second, spammer, "member")
    world.tg.join(chat, spammer)
    gate_message = world.wait_bot_message(chat, "Mostra regolamento")
    block = buttons(gate_message)[1]["callback_data"]
    assert world.press(chat, gate_message, VERA, block)["show_alert"]  # staff only
    # Block is a network ban: an administrator (no right to /superban) is refused, exactly as for /superban.
    assert world.press(chat, gate_message, ADMIN, block)["show_alert"]
    with session_scope(world.db) as session:
        assert session.get(BlockedUser, spammer) is None
    world.press(chat, gate_message, SARA, block)
    wait_until(lambda: world.tg.member(chat, spammer)["status"] == "kicked", what="banned here")
    world.wait_bot_message(chat, "rimosso dal gruppo")
    with session_scope(world.db) as session:
        assert session.get(BlockedUser, spammer) is not None
        # A case like /superban's: the log chat and stats hear of the Block (they never did).
        [block_case] = session.scalars(select(Case).where(Case.target_id == spammer)).all()
        assert (block_case.event, block_case.issuer_id, block_case.reason) == ("MODERATION_SUPERBAN", SARA, "#BLOCKED")
    world.say(second, spammer, "still here?")  # blocked means a network ban: enforced on sight elsewhere
    wait_until(lambda: world.tg.member(second, spammer)["status"] == "kicked", what="banned in the other group")
    assert wait_until(lambda: world.bot_messages(STAFF_CHAT, "#BLOCKED"))
    # The appeal, in private.
    world.tg.send_text(spammer, spammer, "/start", bot_id=BOT_ID)
    offer = world.wait_bot_message(spammer, "Sei stato bloccato")
    world.press(spammer, offer, spammer)
    appeal = world.wait_bot_message(STAFF_CHAT, "#APPEAL")
    world.wait_bot_message(spammer, "Segnalazione inviata")
    world.press(spammer, offer, spammer)
    again = world.wait_bot_message(spammer, "Hai già inviato una segnalazione")
    with session_scope(world.db) as session:
        first = session.get(Appeal, spammer).created_at
    assert first.strftime("%d/%m/%Y") in again["message"]["text"]
    world.settle()
    assert len(world.bot_messages(STAFF_CHAT, "#APPEAL")) == 1
    lift = buttons(appeal)[0]["callback_data"]
    assert world.press(STAFF_CHAT, appeal, VERA, lift)["show_alert"]  # not staff
    assert world.press(STAFF_CHAT, appeal, ADMIN, lift)["show_alert"]  # staff, but may not lift a network ban
    with session_scope(world.db) as session:
        assert session.get(Appeal, spammer).status == "open"
    world.press(STAFF_CHAT, appeal, SARA, lift)
    world.wait_bot_message(spammer, "revocato")
    wait_until(lambda: world.tg.member(chat, spammer)["status"] == "left", what="unbanned (superfree)")
    with session_scope(world.db) as session:
        assert session.get(BlockedUser, spammer) is None
        assert session.get(Appeal, spammer).status == "lifted"
        events = [c.event for c in session.scalars(select(Case).where(Case.target_id == spammer).order_by(Case.id))]
        # enforced on sight in the second group, then lifted by the verdict: each a case
        assert events == ["MODERATION_SUPERBAN", "NETWORK_BAN_ENFORCED", "MODERATION_SUPERFREE"]
    # A later ban may be appealed anew: one appeal per ban, not per user for ever.
    from aula_moderation.network import jobs as network

    with session_scope(world.db) as session:
        network.block(session, spammer, "admin", reason="again", until=None, issuer_id=SARA)
    world.press(spammer, offer, spammer)
    wait_until(lambda: len(world.bot_messages(STAFF_CHAT, "#APPEAL")) == 2, what="the second ban's appeal")
    with session_scope(world.db) as session:
        assert session.get(Appeal, spammer).status == "open"


# -- filters ---------------------------------------------------------------------------------------------------


def test_forbidden_phrases_alert_or_delete_case_and_accent_insensitively(world):
    alert_chat = world.group(filter_mode="alert")
    delete_chat = world.group(filter_mode="delete")
    with session_scope(world.db) as session:
        filters.add_rule(session, "spam phrase")
        filters.add_rule(session, "cazzo", chat_id=delete_chat)
        filters.add_rule(session, r"bit\.ly/\w+", kind="regex", chat_id=delete_chat)
    member = world.user()
    for chat in (alert_chat, delete_chat):
        world.tg.set_member(chat, member, "member")
    kept = world.say(alert_chat, member, "This is a SPAM PHRASE")
    alert = world.wait_bot_message(STAFF_CHAT, "This is a SPAM PHRASE")
    assert "#FORBIDDEN_WORD" in alert["message"]["text"]
    gone = world.say(delete_chat, member, "che CAZZÒ dici")
    short = world.say(delete_chat, member, "go to bit.ly/abc")
    fine = world.say(delete_chat, member, "nothing wrong here")
    wait_until(lambda: world.is_deleted(delete_chat, gone["message_id"]), what="accented word deleted")
    wait_until(lambda: world.is_deleted(delete_chat, short["message_id"]), what="regex deleted")
    world.wait_bot_message(delete_chat, "forbidden words")
    world.settle()
    assert not world.is_deleted(alert_chat, kept["message_id"])
    assert not world.is_deleted(delete_chat, fine["message_id"])


def test_anonymous_admins_channel_forwards_and_staff_are_never_filtered(world):
    chat = world.group(rules_gate=True, filter_mode="delete")
    with session_scope(world.db) as session:
        filters.add_rule(session, "forbiddenxyz", chat_id=chat)
    now = int(time.time())
    base = {"chat": {"id": chat, "title": f"Corso {chat}", "type": "supergroup"}, "date": now}
    anonymous = {
        **base, "message_id": 900, "text": "forbiddenxyz https://x.org",
        "from": {"id": 1087968824, "is_bot": True, "first_name": "Group", "username": "GroupAnonymousBot"},
        "sender_chat": {"id": chat, "title": f"Corso {chat}", "type": "supergroup"},
    }  # fmt: skip
    forward = {
        **base, "message_id": 901, "text": "forbiddenxyz post", "is_automatic_forward": True,
        "from": {"id": 777000, "is_bot": False, "first_name": "Telegram"},
        "sender_chat": {"id": -1001900000002, "title": "News", "type": "channel"},
    }  # fmt: skip
    seq = world.tg.last_seq()
    world.tg.raw_update(BOT_ID, {"update_id": 1, "message": anonymous})
    world.tg.raw_update(BOT_ID, {"update_id": 2, "message": forward})
    staff = world.say(chat, ADMIN, "forbiddenxyz https://x.org")
    unknown = world.user()
    world.tg.set_member(chat, unknown, "member")
    control = world.say(chat, unknown, "an unknown user's message")
    wait_until(lambda: world.is_deleted(chat, control["message_id"]), what="the control message deleted")
    world.settle()
    deleted = {c["params"]["message_id"] for c in world.calls("deleteMessage", chat, since=seq)}
    assert deleted == {control["message_id"]}
    assert staff["message_id"] not in deleted
    assert world.redis.llen(dead_letter_key("moderation")) == 0


def test_antiflood_mutes_for_the_set_time(world):
    chat = world.group(flood_messages=3, flood_seconds=10, flood_mute=120)
    member = world.user()
    world.tg.set_member(chat, member, "member")
    for n in range(3):
        world.say(chat, member, f"message {n}")
    world.settle()
    assert world.calls("restrictChatMember", chat) == []
    before = time.time()
    world.say(chat, member, "one too many")
    [mute] = world.wait_call("restrictChatMember", chat)
    assert mute["params"]["user_id"] == member and mute["params"]["permissions"]["can_send_messages"] is False
    assert before + 110 <= mute["params"]["until_date"] <= time.time() + 130


# -- join requests ----------------------------------------------------------------------------------------------


def test_join_request_language_rules_math_then_approved(world):
    chat = world.group(members=(), join_requests=True, captcha="math")
    applicant = world.user(language="it")
    world.started_bot(applicant)
    world.tg.join_request(chat, applicant)
    choose = world.wait_bot_message(applicant, "Choose your language")
    world.press(applicant, choose, applicant, buttons(choose)[1]["callback_data"])  # English
    rules = world.wait_bot_message(applicant, "read the")
    world.press(applicant, rules, applicant, buttons(rules)[0]["callback_data"])
    question = world.wait_bot_message(applicant, "Last step")
    row = world.captcha(chat, applicant)
    right = next(b for b in buttons(question) if b["text"] == row.answer)
    world.press(applicant, question, applicant, right["callback_data"])
    [approved] = world.wait_call("approveChatJoinRequest", chat)
    assert approved["params"]["user_id"] == applicant
    wait_until(lambda: world.tg.member(chat, applicant)["status"] == "member", what="in the group")
    world.settle()
    assert world.calls("restrictChatMember", chat) == []  # not asked again on arrival
    # Someone who already accepted the rules is approved at once.
    world.tg.leave(chat, applicant)
    world.tg.join_request(chat, applicant)
    world.wait_call("approveChatJoinRequest", chat, count=2)


def test_join_request_declined_by_the_applicant_or_by_the_timeout(world):
    chat = world.group(members=(), join_requests=True, join_request_timeout=2)
    quitter, sleeper = world.user(), world.user()
    world.started_bot(quitter)
    world.started_bot(sleeper)
    world.tg.join_request(chat, quitter)
    world.tg.join_request(chat, sleeper)
    choose = world.wait_bot_message(quitter, "Choose your language")
    world.press(quitter, choose, quitter, buttons(choose)[1]["callback_data"])
    rules = world.wait_bot_message(quitter, "read the")
    world.press(quitter, rules, quitter, buttons(rules)[1]["callback_data"])  # "No thanks"
    declined = world.wait_call("declineChatJoinRequest", chat, count=2)
    assert {c["params"]["user_id"] for c in declined} == {quitter, sleeper}
    assert world.captcha(chat, sleeper).status == "expired" and world.captcha(chat, quitter).status == "declined"
    assert world.calls("approveChatJoinRequest", chat) == []


# -- the real fixtures, in managed groups with onboarding on ------------------------------------------------------

ONBOARDING_ON = {"captcha": "button", "welcome": True, "rules_gate": True, "filter_mode": "delete",
                 "flood_messages": 5}  # fmt: skip
_group_ids = itertools.count(-4_000_000_001, -1)  # basic groups (no -100 prefix)


class FixtureChats:
    """Rewrites a fixture so that it happens in groups of this test: each group or supergroup it names (and the
    other side of a migration) becomes a chat of its own in the simulator, the group managed with onboarding on;
    the bot whose membership a my_chat_member update reports becomes ours; the people it names are Telegram users
    and members of its groups."""

    def __init__(self, world: World) -> None:
        self.world, self.known = world, set()

    def rewrite(self, update: dict) -> dict:
        self.ids: dict[int, int] = {}
        self.people: dict[int, str] = {}
        update = self._walk(update)
        if "my_chat_member" in update:
            change = update["my_chat_member"]
            for side in ("old_chat_member", "new_chat_member"):
                change[side]["user"] = {"id": BOT_ID, "is_bot": True, "first_name": "Aula",
                                        "username": "aula_onboarding_bot"}  # fmt: skip
        for user_id, first_name in self.people.items():
            if user_id not in self.known:
                self.world.tg.add_user(user_id, first_name)
                self.known.add(user_id)
            for chat_id in self.ids.values():
                self.world.tg.set_member(chat_id, user_id, "member")
        return update

    def _walk(self, node):
        if isinstance(node, list):
            return [self._walk(item) for item in node]
        if not isinstance(node, dict):
            return node
        out = {key: self._walk(value) for key, value in node.items()}
        if out.get("type") in ("group", "supergroup") and isinstance(out.get("id"), int):
            out["id"] = self._chat(out["id"], out["type"], out.get("title") or "Gruppo")
        for key, kind in (("migrate_to_chat_id", "supergroup"), ("migrate_from_chat_id", "group")):
            if isinstance(out.get(key), int):
                out[key] = self._chat(out[key], kind, "Migrated", manage=False)
        if out.get("is_bot") is False and isinstance(out.get("id"), int) and out["id"] > 0:
            self.people[out["id"]] = out.get("first_name") or "User"
        return out

    def _chat(self, old: int, kind: str, title: str, manage: bool = True) -> int:
        if old not in self.ids:
            new = next(_chat_ids) if kind == "supergroup" else next(_group_ids)
            members = [{"user_id": BOT_ID, "status": "administrator", "rights": BOT_RIGHTS}]
            self.world.tg.add_chat(new, kind, title=title, members=members)
            if manage:
                chats.manage(self.world.db, new, BOT_ID, title, "it")
                with session_scope(self.world.db) as session:
                    settings.save(session, new, **ONBOARDING_ON)
            self.ids[old] = new
        return self.ids[old]


def test_every_fixture_in_a_managed_group_with_onboarding_on(world):
    """The real payloads, each in groups of its own under management with CAPTCHA, welcome, the rules gate and
    trust ladder, forbidden words and antiflood on: none is dead-lettered or raises, and those that should act do."""
    import json

    from conftest import fixture_updates

    from aula_shared.dispatch import done_key
    from aula_shared.platform.registry import ALLOWED_UPDATES

    fixtures = FixtureChats(world)
    rewritten = {path.stem: fixtures.rewrite(json.loads(path.read_text())) for path in fixture_updates()}
    dead_before = world.redis.llen(dead_letter_key("moderation"))
    failures_before = world.worker.output().count("update handler failed")
    seq = world.tg.last_seq()
    delivered = []
    for update in rewritten.values():
        delivered += [u["update_id"] for u in world.tg.raw_update(BOT_ID, update)["updates"]]
    # Telegram sends what the bot's allowed_updates ask for (no channel posts, inline queries, reactions).
    assert len(delivered) == sum(next(iter(u.keys() - {"update_id"})) in ALLOWED_UPDATES for u in rewritten.values())
    world.settle()

    def all_handled() -> bool:
        pipe = world.redis.pipeline()
        for update_id in delivered:
            pipe.getbit(*done_key("moderation", BOT_ID, update_id))
        return all(pipe.execute())

    wait_until(all_handled, timeout=60, what="every fixture handled")
    assert world.redis.llen(dead_letter_key("moderation")) == dead_before
    assert world.worker.output().count("update handler failed") == failures_before

    def deleted(name: str) -> bool:
        message = rewritten[name]["message"]
        calls = world.tg.calls(method="deleteMessage", chat_id=message["chat"]["id"], since=seq)
        return message["message_id"] in [c["params"]["message_id"] for c in calls]

    # A newcomer joining by invite link meets the CAPTCHA, restricted until they answer.
    join = rewritten["chat_member_supergroup_user_joined_via_invite_link"]["chat_member"]
    newcomer, joined_chat = join["new_chat_member"]["user"]["id"], join["chat"]["id"]
    assert world.captcha(joined_chat, newcomer).status == "pending"
    assert world.bot_messages(joined_chat, "press the button") or world.bot_messages(joined_chat, "premi il pulsante")
    assert restricted(world, joined_chat, newcomer)
    # People who never accepted the rules lose their messages, in groups and supergroups alike…
    for name in ("group_text_message_no_username", "supergroup_spam_text_link_and_mention_entities",
                 "supergroup_very_long_text_4096_chars", "supergroup_sticker_decorated_unicode_name"):  # fmt: skip
        assert deleted(name), f"{name}: a message of someone who never accepted the rules was kept"
    # …but anonymous admins and the linked channel's posts are never gated.
    for name in ("supergroup_anonymous_admin_sender_chat_hashtags", "supergroup_document_by_anonymous_admin",
                 "supergroup_linked_channel_automatic_forward_modern"):  # fmt: skip
        assert not deleted(name), f"{name}: an anonymous admin's or the channel's message was deleted"
    # A basic group upgraded to a supergroup stays managed under its new id, settings and all.
    migration = rewritten["group_migrate_to_chat_id"]["message"]
    new_id = migration["migrate_to_chat_id"]
    wait_until(lambda: chats.find(world.db, new_id) is not None and chats.find(world.db, new_id).managed)
    with session_scope(world.db) as session:
        assert settings.load(session, new_id)["captcha"] == "button"
