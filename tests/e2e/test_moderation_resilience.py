"""Moderation under what production does to it, with every part a real process: the simulator POSTs to the
gateway, two Celery moderation workers drain the mailboxes, and a real `aula beat` sends the periodic tasks.

- a worker SIGKILLed with a batch in hand: every command acted on once, nothing lost, nothing dead-lettered;
- timers and the CAPTCHA safety net carried out by beat alone (no task sent by the test);
- a storm of 429s with retry_after in several chats through both workers: each action done once, no call to a
  chat before its retry_after ran out.

One world per module; each test uses chats of its own. Beat's moderation periods are shortened for the test
(AULA_BEAT_SECONDS), so that waiting on it costs a second, not half a minute.
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
from support import AULA, Process, stop_all, wait_http, wait_until

from aula_moderation.chats import records as chats
from aula_moderation.chats import settings as group_settings
from aula_moderation.log.models import Case
from aula_moderation.onboarding import settings as onboarding_settings
from aula_moderation.onboarding.models import Captcha
from aula_moderation.roles import grants
from aula_moderation.timers.models import Timer
from aula_shared.db import engine_for, session_scope
from aula_shared.dispatch import dead_letter_key
from aula_shared.mailbox import lock_key
from aula_tgsim.testing import start_simulator

TOKEN = "7000000007:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
BOT_ID = 7000000007
ADMIN = 501
MEMBER = 502  # writes the plain messages between the commands
_users = itertools.count(10_000)
_chat_ids = itertools.count(-1001000000900, -1)
BEAT_PERIODS = "moderation-sweep=1,moderation-timers=1,moderation-onboarding-due=1"


@pytest.fixture(scope="module")
def world(migrated_pg, redis_url, tmp_path_factory):
    import redis

    logs = tmp_path_factory.mktemp("moderation-resilience")
    beat_home = tmp_path_factory.mktemp("beat")  # beat keeps its schedule file under ./var
    (beat_home / "var").mkdir()
    connection = redis.Redis.from_url(redis_url)
    empty_redis(connection)
    truncate_tables(migrated_pg, ("platform", "moderation"))
    with start_simulator() as sim:  # Telegram's own flood limits on
        tg = sim.client
        tg.add_bot(TOKEN, username="aula_resilience_bot")
        tg.add_user(ADMIN, "Alice", username="alice_admin", language_code="en")
        tg.add_user(MEMBER, "Marta", username="marta_m", language_code="en")
        env = world_env(migrated_pg, redis_url, sim.url, AULA_BEAT_SECONDS=BEAT_PERIODS)
        gateway = Process(["serve", "gateway"], env, logs / "gateway.log").start()
        world = World(sim, tg, env, migrated_pg, connection, logs)
        beat = Process(["beat"], env, logs / "beat.log", cwd=beat_home)
        try:
            wait_http(f"http://127.0.0.1:{env['GATEWAY_PORT']}/healthz")
            added = subprocess.run(
                [AULA, "bots", "add", "--token", TOKEN, "--webhook-url",
                 f"http://127.0.0.1:{env['GATEWAY_PORT']}/webhook"],
                env=env, capture_output=True, text=True, timeout=60,
            )  # fmt: skip
            assert added.returncode == 0, added.stderr
            with session_scope(migrated_pg) as session:
                grants.grant(session, ADMIN, "administrator", all_groups=True, extra_groups=True)
            world.start_workers()
            beat.start()
            world.beat = beat
            yield world
        finally:
            stop_all([beat, gateway, *world.workers])
            connection.close()


class World:
    def __init__(self, sim, tg, env, db, redis, logs):
        self.sim, self.tg, self.env, self.db, self.redis, self.logs = sim, tg, env, db, redis, logs
        self.workers: list[Process] = []
        self.retired: list[Process] = []  # workers stopped or killed, kept for their logs
        self.beat: Process | None = None
        self._names = itertools.count(1)

    # -- processes ------------------------------------------------------------------------------------------

    def worker(self, concurrency: int = 2) -> Process:
        from e2e.conftest import worker_process

        log = self.logs / f"moderation-{next(self._names)}.log"
        return worker_process("moderation", self.env, log, concurrency=concurrency)

    def start_workers(self, count: int = 2) -> None:
        """The world's two worker processes, two slots each, once they take tasks."""
        self.workers = [self.worker().start() for _ in range(count)]
        for worker in self.workers:
            wait_ready(worker)

    def stop_workers(self) -> None:
        stop_all(self.workers)
        self.retired += self.workers
        self.workers = []

    def worker_output(self) -> str:
        return "\n".join(worker.output() for worker in self.retired + self.workers)

    # -- Telegram's side ------------------------------------------------------------------------------------

    def user(self) -> int:
        user_id = next(_users)
        self.tg.add_user(user_id, f"Student{user_id}", language_code="en")
        return user_id

    def group(self, members=(), **onboarding) -> int:
        chat_id = next(_chat_ids)
        self.tg.add_chat(
            chat_id,
            "supergroup",
            title=f"Corso {chat_id}",
            members=[{"user_id": BOT_ID, "status": "administrator", "rights": BOT_RIGHTS}]
            + [{"user_id": m, "status": "member"} for m in (ADMIN, MEMBER, *members)],
        )
        chats.manage(self.db, chat_id, BOT_ID, f"Corso {chat_id}", "en")
        if onboarding:
            with session_scope(self.db) as session:
                onboarding_settings.save(session, chat_id, **onboarding)
        return chat_id

    def say(self, chat_id: int, user_id: int, body: str) -> dict:
        return self.tg.send_text(chat_id, user_id, body)["message"]

    def calls(self, method: str, chat_id: int | None = None, since: int = 0) -> list[dict]:
        return [c for c in self.tg.calls(method=method, chat_id=chat_id, since=since) if c["status"] == 200]

    def notices_for(self, chat_id: int, user_id: int, since: int = 0) -> list[dict]:
        """The bot's messages in the chat that name this user (a command's notice mentions its target)."""
        mention = f"tg://user?id={user_id}"
        return [c for c in self.calls("sendMessage", chat_id, since) if mention in c["params"]["text"]]

    def mailboxes(self) -> list[bytes]:
        return list(self.redis.scan_iter("aula:mbox:moderation:*"))

    def settle(self, timeout: float = 30) -> None:
        assert self.tg.wait_delivered(BOT_ID, timeout=timeout)
        wait_until(lambda: not self.mailboxes(), timeout=timeout, what="the mailboxes drained")

    def cases(self, chat_id: int) -> list[Case]:
        with session_scope(self.db) as session:
            return list(session.scalars(select(Case).where(Case.chat_id == chat_id).order_by(Case.id)))

    def dead_letters(self) -> int:
        return self.redis.llen(dead_letter_key("moderation"))


def wait_ready(worker: Process) -> None:
    wait_until(lambda: " ready." in worker.output(), timeout=60, interval=0.2, what="the worker ready")


# A planned command: the cases it must leave, in order (a warning at the chat's limit also mutes), and its target.
Planned = tuple[tuple[str, ...], int]
WARN, MUTE = "MODERATION_WARN", "MODERATION_MUTE"


def commands_for(world: World, chat: int, count: int, warn_limit: int = 3) -> list[Planned]:
    """`count` commands with targets of their own — warnings and two-hour mutes; each is followed by a plain
    message when sent. With `warn_limit` 1, each warning reaches the limit: the chat's action (a mute) follows."""
    if warn_limit != 3:
        with session_scope(world.db) as session:
            group_settings.set_group(session, chat, warn_limit=warn_limit)
    planned = []
    for n in range(count):
        target = world.user()
        world.tg.set_member(chat, target, "member")
        warning = n % 2 == 0
        planned.append((((WARN, MUTE) if warn_limit == 1 else (WARN,)) if warning else (MUTE,), target))
    return planned


def send_commands(world: World, chat: int, planned: list[Planned]) -> None:
    for n, (events, target) in enumerate(planned):
        command = f"/warn {target} strike {n}" if events[0] == WARN else f"/mute {target} 2h noise {n}"
        world.say(chat, ADMIN, command)
        world.say(chat, MEMBER, f"plain message {n}")


def assert_each_acted_on_once(world: World, chat: int, planned: list[Planned]) -> None:
    """Each case once; for each mute one restriction that Telegram took; each case's notice once."""
    by_target = {}
    for case in world.cases(chat):
        by_target.setdefault(case.target_id, []).append(case.event)
    for events, target in planned:
        assert by_target.get(target) == list(events), f"chat {chat}, target {target}: cases {by_target.get(target)}"
        restrictions = [c for c in world.calls("restrictChatMember", chat) if c["params"]["user_id"] == target]
        assert len(restrictions) == events.count(MUTE), f"chat {chat}, target {target}: {len(restrictions)} mutes"
        notices = world.notices_for(chat, target)
        assert len(notices) == len(events), f"chat {chat}, target {target}: {len(notices)} notices"


def not_acted_on(world: World, plans: dict[int, list[Planned]]) -> list[str]:
    """What is still missing: a case, or a case's notice."""
    missing = []
    for chat, planned in plans.items():
        cases = {(case.event, case.target_id) for case in world.cases(chat)}
        for events, target in planned:
            missing += [f"{chat}/{target}: no {event} case" for event in events if (event, target) not in cases]
            if len(world.notices_for(chat, target)) < len(events):
                missing.append(f"{chat}/{target}: a notice missing")
    return missing


def wait_acted_on(world: World, plans: dict[int, list[Planned]], timeout: float) -> None:
    try:
        wait_until(lambda: not not_acted_on(world, plans), timeout=timeout, interval=0.5, what="every command")
    except AssertionError:
        raise AssertionError(f"not acted on after {timeout} s: {not_acted_on(world, plans)}") from None


# -- a worker SIGKILLed mid-batch ---------------------------------------------------------------------------


@pytest.mark.timeout(150)
def test_a_worker_killed_mid_batch_acts_on_every_command_once(world):
    world.tg.clear_faults()
    first = world.worker(concurrency=1).start()  # one slot: it is doing exactly one thing when killed
    world.stop_workers()
    # The worker is killed while it waits for Telegram's answer to the deletion of the first chat's fourth command:
    # that chat has commands done before it and commands after it in the batch the worker holds, and the other
    # chats wait behind it. (Three commands a chat otherwise: Telegram takes a chat's notices at about one a second.)
    victim, *others = [world.group() for _ in range(4)]
    plans = {victim: commands_for(world, victim, 6)} | {chat: commands_for(world, chat, 3) for chat in others}
    world.tg.inject_fault("deleteMessage", None, chat_id=victim, times=3)  # the first three pass untouched
    world.tg.inject_fault("deleteMessage", None, chat_id=victim, times=1, delay=8)
    for chat, planned in plans.items():
        send_commands(world, chat, planned)
    assert world.tg.wait_delivered(BOT_ID, timeout=30)
    # The delayed fault is taken when the request reaches the simulator: the worker is then blocked in it.
    wait_until(lambda: not world.tg._request("GET", "/faults"), timeout=60, what="the worker waiting on Telegram")
    done_in_victim = len(world.cases(victim))
    first.kill()  # SIGKILL: no acknowledgement, no clean-up
    world.retired.append(first)
    assert done_in_victim == 3, "not killed in the middle of the chat's commands"
    assert world.redis.exists(lock_key("moderation", str(victim))), "the killed worker held no lease on the chat"
    assert world.redis.llen(f"aula:mbox:moderation:{victim}") > 1, "nothing was left in hand"
    assert sum(len(world.cases(chat)) for chat in plans) < sum(len(p) for p in plans.values())

    world.start_workers()
    # The leases of the killed worker lapse (30 s), then beat's sweeper wakes what it held.
    wait_acted_on(world, plans, timeout=90)
    world.settle()
    for chat, planned in plans.items():
        assert_each_acted_on_once(world, chat, planned)
    assert world.dead_letters() == 0
    assert "Traceback" not in "\n".join(w.output() for w in world.workers)


# -- timers and the CAPTCHA safety net, driven by beat ------------------------------------------------------


def test_beat_lifts_a_due_mute_and_resolves_an_expired_captcha(world):
    # A 30-minute mute: too far off for the command to send the timers task itself, so only beat runs it.
    muted_chat = world.group()
    target = world.user()
    world.tg.set_member(muted_chat, target, "member")
    world.say(muted_chat, ADMIN, f"/mute {target} 30m")
    [mute] = wait_until(lambda: world.calls("restrictChatMember", muted_chat), what="the mute")
    assert mute["params"]["permissions"]["can_send_messages"] is False
    key = f"unmute:{muted_chat}:{target}"
    with session_scope(world.db) as session:
        wait_until(lambda: session.scalars(select(Timer).where(Timer.key == key)).first(), what="the timer")
    # A CAPTCHA of an hour: the task its start sends with a countdown comes in an hour, so only beat's net acts.
    captcha_chat = world.group(captcha="button", captcha_timeout=3600, captcha_action="ban")
    newcomer = world.user()
    world.tg.join(captcha_chat, newcomer)

    def pending_captcha() -> Captcha | None:
        with session_scope(world.db) as session:
            return session.scalars(select(Captcha).where(Captcha.chat_id == captcha_chat)).first()

    wait_until(lambda: pending_captcha() and pending_captcha().message_id, what="the CAPTCHA")
    world.settle()
    assert world.tg.member(captcha_chat, newcomer)["status"] == "restricted"
    time.sleep(1.5)  # beat's runs meanwhile find nothing due
    assert len(world.calls("restrictChatMember", muted_chat)) == 1 and world.calls("banChatMember", captcha_chat) == []

    # Thirty minutes, and an hour, pass.
    past = datetime.now(UTC) - timedelta(seconds=1)
    with engine_for(world.db).begin() as db:
        db.execute(text("UPDATE moderation_timers SET due_at = :t WHERE key = :key"), {"t": past, "key": key})
        db.execute(
            text("UPDATE moderation_captchas SET due_at = :t WHERE chat_id = :c"), {"t": past, "c": captcha_chat}
        )
    started = time.monotonic()
    lift = wait_until(lambda: world.calls("restrictChatMember", muted_chat)[1:], timeout=15, what="the unmute")[0]
    assert lift["params"]["permissions"]["can_send_messages"] is True
    [ban] = wait_until(lambda: world.calls("banChatMember", captcha_chat), timeout=15, what="the CAPTCHA's ban")
    assert ban["params"]["user_id"] == newcomer
    assert time.monotonic() - started < 10  # beat's period here is a second
    wait_until(lambda: pending_captcha().status == "expired", what="the CAPTCHA expired")
    beat_log = world.beat.output()
    assert "Sending due task moderation-timers" in beat_log
    assert "Sending due task moderation-onboarding-due" in beat_log
    assert world.dead_letters() == 0


# -- a 429 storm through two worker processes ---------------------------------------------------------------


@pytest.mark.timeout(120)
def test_a_429_storm_through_two_workers_acts_once_and_honours_retry_after(world):
    first, *others = [world.group() for _ in range(4)]
    # In the first chat a warning reaches the limit at once, and its mute follows the warning's notice. That notice
    # is refused three times in a row: more than the client retries, so the conversation is given back and retried
    # by Celery, and must still send the notice and mute. Then a storm on every chat: the next calls answer 429.
    plans = {first: commands_for(world, first, 6, warn_limit=1)}
    plans |= {chat: commands_for(world, chat, 6) for chat in others}
    world.tg.clear_faults()
    since = world.tg.last_seq()
    world.tg.inject_fault("sendMessage", 429, retry_after=1, times=3, chat_id=first)
    world.tg.inject_fault("sendMessage", 429, retry_after=2, times=10)
    world.tg.inject_fault("restrictChatMember", 429, retry_after=1, times=6)
    world.tg.inject_fault("deleteMessage", 429, retry_after=1, times=6)
    for chat, planned in plans.items():
        send_commands(world, chat, planned)
    wait_acted_on(world, plans, timeout=90)
    world.settle()
    assert not world.tg._request("GET", "/faults"), "the storm did not happen"
    refused = [c for c in world.tg.calls(since=since) if c["status"] == 429]
    assert len(refused) >= 3 + 10 + 6 + 6
    for chat, planned in plans.items():
        assert_each_acted_on_once(world, chat, planned)
    # No call to a chat before the retry_after of a 429 in that chat ran out.
    for flood in refused:
        wait = flood["response"]["parameters"]["retry_after"]
        early = [
            c for c in world.tg.calls(chat_id=flood["chat_id"], since=flood["seq"]) if c["time"] < flood["time"] + wait
        ]
        assert early == [], f"{early[0]['method']} {early[0]['time'] - flood['time']:.2f} s after a {wait} s flood wait"
    assert world.dead_letters() == 0
    output = "\n".join(w.output() for w in world.workers)
    assert "Traceback" not in output
    assert sum(1 for w in world.workers if "aula.moderation.drain" in w.output()) == 2  # both workers drained
