"""Restrictions side by side: a mute, a pending CAPTCHA and an antiflood mute of one member
must not lift or shorten each other — Telegram is sent what all of them together allow, and each release
recomputes it. Checked through moderation's real router in this process, against the Telegram simulator:
what the bot asked Telegram (restrictChatMember) and what the member's status is there afterwards."""

from __future__ import annotations

import itertools
import time
from datetime import UTC, datetime, timedelta

from moderation.onboarding.conftest import TOKEN, managed_group
from sqlalchemy import select, text

from aula_moderation.network import reconcile
from aula_moderation.onboarding.models import Captcha
from aula_moderation.people.models import Membership
from aula_moderation.roles import grants
from aula_moderation.timers import schedule as timers
from aula_moderation.timers.models import Timer
from aula_moderation.worker import Runtime
from aula_shared.db import engine_for, session_scope
from aula_shared.platform.clients import BotClients
from aula_shared.platform.registry import ALLOWED_UPDATES
from aula_shared.settings import Settings

_chat_ids = itertools.count(-1001000000700, -1)
_users = itertools.count(9700)
HOUR = 3600


class Group:
    """A managed supergroup with a staff administrator; its members join, write, leave, answer the CAPTCHA."""

    def __init__(self, inprocess, **config) -> None:
        self.world, self.tg = inprocess, inprocess.tg
        inprocess.pump()
        # The bot asks for chat_member updates, as `aula bots add` registers it: joins and leaves reach onboarding.
        status, _ = self.tg.bot_api(TOKEN, "getUpdates", offset=inprocess._offset, timeout=0,
                                    allowed_updates=list(ALLOWED_UPDATES))  # fmt: skip
        assert status == 200
        self.id = managed_group(inprocess, next(_chat_ids), **config)
        self.staff = self.person()
        with session_scope(inprocess.db) as session:
            grants.grant(session, self.staff, "administrator", chats=[self.id])
        self.tg.set_member(self.id, self.staff, "member")

    def person(self) -> int:
        user_id = next(_users)
        self.tg.add_user(user_id, f"Member{user_id}", language_code="it")
        return user_id

    def member(self) -> int:
        user_id = self.person()
        self.tg.set_member(self.id, user_id, "member")
        return user_id

    def command(self, line: str) -> None:
        self.tg.send_text(self.id, self.staff, line)
        self.world.pump()

    def solve_captcha(self, user_id: int) -> None:
        with session_scope(self.world.db) as session:
            pending = Captcha.chat_id == self.id, Captcha.user_id == user_id, Captcha.status == "pending"
            row = session.scalars(select(Captcha).where(*pending)).one()
        self.tg.press_button(self.id, row.message_id, user_id, f"ob:c:{row.id}:ok")
        self.world.pump()

    def restrictions(self, user_id: int, since: int = 0) -> list[dict]:
        """What the bot asked Telegram about this member (restrictChatMember), oldest first."""
        calls = self.tg.calls(method="restrictChatMember", chat_id=self.id, since=since)
        return [c["params"] for c in calls if c["status"] == 200 and c["params"]["user_id"] == user_id]

    def status(self, user_id: int) -> dict:
        return self.tg.member(self.id, user_id)

    def timer(self, key: str) -> Timer | None:
        with session_scope(self.world.db) as session:
            return session.scalars(select(Timer).where(Timer.key == key, Timer.done_at.is_(None))).first()

    def fire(self, key: str) -> None:
        """The timer `key` comes due now, and the timers task runs."""
        with engine_for(self.world.db).begin() as db:
            changed = db.execute(
                text("UPDATE moderation_timers SET due_at = :now WHERE key = :key AND done_at IS NULL"),
                {"now": datetime.now(UTC) - timedelta(seconds=1), "key": key},
            ).rowcount
        assert changed == 1, f"no running timer {key}"
        run_timers(self.world)

    def fire_timers_due_within(self, user_id: int, seconds: float) -> None:
        """Every running timer of this member due within `seconds` comes due now, and the timers task runs."""
        with engine_for(self.world.db).begin() as db:
            db.execute(
                text(
                    "UPDATE moderation_timers SET due_at = :now WHERE chat_id = :chat AND user_id = :user "
                    "AND done_at IS NULL AND due_at < :soon"
                ),
                {"now": datetime.now(UTC) - timedelta(seconds=1), "chat": self.id, "user": user_id,
                 "soon": datetime.now(UTC) + timedelta(seconds=seconds)},
            )  # fmt: skip
        run_timers(self.world)

    def membership(self, user_id: int) -> str | None:
        with session_scope(self.world.db) as session:
            row = session.get(Membership, (self.id, user_id))
            return row.status if row else None


def clients(inprocess) -> BotClients:
    return BotClients(Settings.from_env({"DATABASE_URL": inprocess.db, "SECRET_KEY": "x",
                                         "TELEGRAM_API_URL": inprocess.sim.url}))  # fmt: skip


def run_timers(inprocess) -> None:
    """What the timers task does (aula.moderation.timers), in this process."""
    actions = Runtime(None, Settings(database_url=inprocess.db)).timer_actions
    bots = clients(inprocess)
    with session_scope(inprocess.db) as session:
        due = timers.due(session, datetime.now(UTC))
    for timer_id in due:
        with session_scope(inprocess.db) as session:
            timer = timers.take(session, timer_id)
            if timer is not None and timers.run(session, bots, timer, actions):
                timer.done_at = datetime.now(UTC)


def nothing_allowed(params: dict) -> bool:
    return not any(params["permissions"].values())


def everything_allowed(params: dict) -> bool:
    return all(params["permissions"].values())


def about(value: float, expected: float) -> bool:
    return abs(value - expected) <= 2


# -- the two stories ----------------------------------------------------------------------------------


def test_a_muted_member_who_leaves_rejoins_and_solves_the_captcha_stays_muted_until_the_mute_ends(inprocess):
    group = Group(inprocess, captcha="button", captcha_timeout=600)
    user = group.member()
    group.command(f"/mute {user} 2h spam")
    [mute] = group.restrictions(user)
    assert nothing_allowed(mute) and about(mute["until_date"], time.time() + 2 * HOUR)
    group.tg.leave(group.id, user)
    group.tg.join(group.id, user)
    inprocess.pump()
    assert nothing_allowed(group.restrictions(user)[-1])  # the CAPTCHA
    since = group.tg.last_seq()
    group.solve_captcha(user)
    [after] = group.restrictions(user, since)
    # Solving lifts the CAPTCHA, not the mute: still nothing allowed, until the mute's end.
    assert nothing_allowed(after) and about(after["until_date"], mute["until_date"])
    member = group.status(user)
    assert member["status"] == "restricted" and about(member["until_date"], mute["until_date"])
    assert group.membership(user) == "restricted"
    group.fire(f"unmute:{group.id}:{user}")  # two hours later
    assert everything_allowed(group.restrictions(user)[-1])
    assert group.status(user)["status"] == "member" and group.membership(user) == "member"


def test_the_unmute_timer_firing_during_a_pending_captcha_leaves_the_newcomer_restricted(inprocess):
    group = Group(inprocess, captcha="button", captcha_timeout=600)
    user = group.member()
    group.command(f"/mute {user} 1h")
    group.tg.leave(group.id, user)
    group.tg.join(group.id, user)  # comes back: a CAPTCHA
    inprocess.pump()
    since = group.tg.last_seq()
    group.fire(f"unmute:{group.id}:{user}")  # the mute ends before the CAPTCHA is answered
    assert not any(everything_allowed(params) for params in group.restrictions(user, since))
    member = group.status(user)
    assert member["status"] == "restricted" and member["can_send_messages"] is False
    assert group.membership(user) == "restricted"
    group.solve_captcha(user)  # and once answered, nothing is left
    assert everything_allowed(group.restrictions(user)[-1])
    assert group.status(user)["status"] == "member" and group.membership(user) == "member"


# -- antiflood beside a staff mute --------------------------------------------------------------------------------


def mute_then_flood(group: Group, user: int, duration: str = "2h") -> None:
    """Staff mute the member while their messages are on their way: antiflood sees them after the mute."""
    group.tg.send_text(group.id, group.staff, f"/mute {user} {duration}")
    for n in range(4):  # one over the limit of 3
        group.tg.send_text(group.id, user, f"message {n}")
    group.world.pump()


def test_an_antiflood_mute_neither_moves_nor_shortens_a_staff_mute(inprocess):
    group = Group(inprocess, flood_messages=3, flood_seconds=60, flood_mute=60)
    user = group.member()
    mute_then_flood(group, user)
    staff_mute, flood = group.restrictions(user)
    assert about(staff_mute["until_date"], time.time() + 2 * HOUR)
    # Telegram is never told a shorter end than the staff mute's.
    assert nothing_allowed(flood) and about(flood["until_date"], staff_mute["until_date"])
    timer = group.timer(f"unmute:{group.id}:{user}")
    assert timer is not None and about(timer.due_at.timestamp(), staff_mute["until_date"])
    group.fire_timers_due_within(user, 10 * 60)  # the antiflood mute ends after a minute
    last = group.restrictions(user)[-1]
    assert nothing_allowed(last) and about(last["until_date"], staff_mute["until_date"])
    assert group.status(user)["status"] == "restricted" and group.membership(user) == "restricted"
    timer = group.timer(f"unmute:{group.id}:{user}")
    assert timer is not None and about(timer.due_at.timestamp(), staff_mute["until_date"])


def test_free_lifts_both_the_staff_mute_and_the_antiflood_mute(inprocess):
    group = Group(inprocess, flood_messages=3, flood_seconds=60, flood_mute=600)
    user = group.member()
    mute_then_flood(group, user)
    assert len(group.restrictions(user)) == 2
    since = group.tg.last_seq()
    group.command(f"/free {user}")
    [free] = group.restrictions(user, since)
    assert everything_allowed(free)
    assert group.status(user)["status"] == "member" and group.membership(user) == "member"
    with session_scope(inprocess.db) as session:
        running = session.scalars(
            select(Timer.key).where(Timer.chat_id == group.id, Timer.user_id == user, Timer.done_at.is_(None))
        ).all()
    assert running == []  # neither ends later: nothing is left to lift
    run_timers(inprocess)
    assert group.restrictions(user, since) == [free]


def test_a_free_telegram_refuses_keeps_the_mute_and_its_timer(inprocess):
    group = Group(inprocess)
    user = group.member()
    group.command(f"/mute {user} 1h")
    group.tg.inject_fault("restrictChatMember", 400, "Bad Request: not enough rights to restrict/unrestrict chat "
                          "member", chat_id=group.id)  # fmt: skip
    group.command(f"/free {user}")
    assert group.status(user)["status"] == "restricted" and group.membership(user) == "restricted"
    assert group.timer(f"unmute:{group.id}:{user}") is not None  # still lifted when the hour is over
    group.fire(f"unmute:{group.id}:{user}")
    assert everything_allowed(group.restrictions(user)[-1]) and group.status(user)["status"] == "member"


def test_free_leaves_a_pending_captcha_in_place(inprocess):
    group = Group(inprocess, captcha="button", captcha_timeout=600)
    user = group.member()
    group.command(f"/mute {user} 1h")
    group.tg.leave(group.id, user)
    group.tg.join(group.id, user)
    inprocess.pump()
    since = group.tg.last_seq()
    group.command(f"/free {user}")
    [free] = group.restrictions(user, since)
    assert nothing_allowed(free) and free["until_date"] == 0  # the CAPTCHA's: until answered
    assert group.status(user)["status"] == "restricted"
    group.solve_captcha(user)
    assert everything_allowed(group.restrictions(user)[-1])


def test_free_lifts_the_mute_a_failed_captcha_left(inprocess):
    group = Group(inprocess, captcha="button", captcha_timeout=600, captcha_action="mute")
    newcomer = group.person()
    group.tg.join(group.id, newcomer)
    inprocess.pump()
    with engine_for(inprocess.db).begin() as db:  # the CAPTCHA's time runs out
        db.execute(text("UPDATE moderation_captchas SET due_at = :now WHERE chat_id = :chat"),
                   {"now": datetime.now(UTC) - timedelta(seconds=1), "chat": group.id})  # fmt: skip
    expire_captchas(inprocess)
    assert group.status(newcomer)["status"] == "restricted"  # stays muted, as the group chose
    group.command(f"/free {newcomer}")
    assert everything_allowed(group.restrictions(newcomer)[-1])
    assert group.status(newcomer)["status"] == "member"


def expire_captchas(inprocess) -> None:
    """What the onboarding due task does, in this process."""
    from aula_moderation.onboarding import captcha, settings
    from aula_moderation.onboarding.common import now

    bots = clients(inprocess)
    with session_scope(inprocess.db) as session:
        for row in captcha.claim_due(session):
            client = bots.for_bot(row.bot_id)
            captcha.punish(session, client, row, settings.load(session, row.chat_id)["captcha_action"])
            row.status, row.resolved_at = "expired", now()
            captcha.drop_message(session, client, row)
            session.commit()


# -- coming back, bans, drift -----------------------------------------------------------------------------------


def test_a_muted_member_who_leaves_and_rejoins_is_muted_again_on_arrival(inprocess):
    group = Group(inprocess)  # no CAPTCHA
    user = group.member()
    group.command(f"/mute {user} 2h")
    [mute] = group.restrictions(user)
    group.tg.leave(group.id, user)  # (a kick, or the simulator's leave, lifts a restriction in Telegram)
    group.tg.join(group.id, user)
    inprocess.pump()
    again = group.restrictions(user)[-1]
    assert len(group.restrictions(user)) == 2
    assert nothing_allowed(again) and about(again["until_date"], mute["until_date"])
    assert group.status(user)["status"] == "restricted"


def test_a_mute_ending_while_the_member_is_banned_does_not_lift_the_ban(inprocess):
    group = Group(inprocess)
    user = group.member()
    group.command(f"/mute {user} 1h")
    group.command(f"/ban {user}")
    assert group.status(user)["status"] == "kicked"
    since = group.tg.last_seq()
    group.fire(f"unmute:{group.id}:{user}")
    assert group.restrictions(user, since) == []  # restrictChatMember would turn the ban into a restriction
    assert group.status(user)["status"] == "kicked"


def test_free_of_a_banned_and_muted_member_lets_them_back_unrestricted(inprocess):
    group = Group(inprocess)
    user = group.member()
    group.command(f"/mute {user} 1h")
    group.command(f"/ban {user}")
    group.command(f"/free {user}")
    assert group.status(user)["status"] == "left" and group.membership(user) == "left"
    assert group.timer(f"unmute:{group.id}:{user}") is None
    since = group.tg.last_seq()
    group.tg.join(group.id, user)
    inprocess.pump()
    assert group.restrictions(user, since) == [] and group.status(user)["status"] == "member"


def test_the_reconciler_restores_a_pending_captchas_restriction_lifted_by_hand(inprocess):
    group = Group(inprocess, captcha="button", captcha_timeout=600)
    newcomer = group.person()
    group.tg.join(group.id, newcomer)
    inprocess.pump()
    group.tg.set_member(group.id, newcomer, "member")  # an admin lifted it in the Telegram app
    since = group.tg.last_seq()
    with session_scope(inprocess.db) as session:
        reconcile.run(session, clients(inprocess))
    [repair] = group.restrictions(newcomer, since)
    assert nothing_allowed(repair) and repair["until_date"] == 0
    assert group.status(newcomer)["status"] == "restricted"
