"""`aula users erase` leaves nothing of the person in any table of any component.

Every table of every component's database is reflected from the migrated schema. One person, Zelda, is put in
every column that can hold a Telegram user's id — as a member and writer, as staff who acted on others, and as a
network-banned user — through the real code where it is cheap, else by inserts. Then the real `aula users erase`
runs, and no row anywhere may still hold her id (in any integer column: private chats included, whose id is
hers), nor her id, name or username in any text or JSON column — except the network ban, kept by design
(`aula_moderation.user_data`): the blocklist row and the timer that ends it.

The rules below say which columns hold a person. A new integer column whose name looks like a person's and
that the rules do not know fails the test, and so does a person column the seed does not reach: the test keeps
up with the schema instead of passing beside it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from stats.updates import DAY, ingest, joined, message

from aula_catalog.models import Department, GroupAdmin, Representative, StaffAudit, StaffAuditPerson
from aula_catalog.models import TelegramUser as CatalogUser
from aula_moderation.chats.models import ManagedChat
from aula_moderation.commands.models import Warning
from aula_moderation.log import log_chat
from aula_moderation.log.models import Case, LogEntry
from aula_moderation.network import jobs
from aula_moderation.network.models import WhitelistedBot
from aula_moderation.onboarding.models import Appeal, Captcha, Trust, WelcomeSent
from aula_moderation.people.models import Membership, TelegramUser
from aula_moderation.restrictions.models import Restriction
from aula_moderation.roles.models import Role
from aula_moderation.timers import schedule as timers
from aula_shared import components
from aula_shared.db import engine_for, session_scope
from aula_shared.settings import Settings
from aula_shared.staff import people_named
from aula_stats.models import ChatDay, MessageCount, ProfileObservation, TrackedProfile
from aula_stats.moderation_actions import CaseEvent, record_action

PERSON = 7_300_000_001  # Zelda: everything at once
OTHER = 7_300_000_002  # Otto, whom Zelda acted on: his rows stay, without her
STAFF = 7_300_000_003  # Sam, who network-banned Zelda
BOT = 7_300_000_100
GROUP = -1_009_100_000_042
FIRST, LAST, USERNAME = "Zelda", "Quartermaine", "zelda_q_erasure"
TRACES = (str(PERSON), FIRST, LAST, USERNAME)  # none may be left in any text or JSON column

# -- the rules -------------------------------------------------------------------------------------------------

# An integer column holds a Telegram user's id when it is named so…
PERSON_COLUMN_NAMES = frozenset(
    {"user_id", "target_id", "issuer_id", "telegram_id", "telegram_user_id", "whitelisted_by", "verified_by",
     "decided_by"}
)  # fmt: skip
PERSON_COLUMN_SUFFIX = "_user_id"
# … or is the id of a table of users (a table named "…users").
USERS_TABLE = re.compile(r"users$")
# Integer columns whose name looks like a person's (below) but that hold no Telegram user's id, and why.
NOT_A_PERSON = {
    ("catalog_staff_audit", "staff_user_id"): "a staff login (catalog_staff_users.id), not a Telegram user",
    ("catalog_staff_users", "id"): "staff logins of the admin, not Telegram users",
    ("catalog_group_admin_degrees", "group_admin_id"): "a catalog_group_admins row (removed with it, by cascade)",
    ("catalog_telegram_groups", "member_count"): "a number of members",
    ("stats_chats", "member_count"): "a number of members",
    ("stats_chat_days", "active_users"): "a number of people",
}
# What makes an integer column's name look like a person's: it must be a person column or in NOT_A_PERSON.
LOOKS_LIKE_A_PERSON = re.compile(r"user|issuer|target|_by$|telegram|member|admin|author|sender|owner|person|people")
# A private chat's id is the user's id: chat columns ("chat_id", "…_chat_id", a chats table's id, "migrated_to")
# need no rule of their own, because after the erasure *every* integer column of every table is searched for the
# id. Private chats reach these (seeded below: the real ingest of a private message, and what older versions
# stored and retention rolled up):
PRIVATE_CHAT_COLUMNS = {
    ("stats_message_counts", "chat_id"),
    ("stats_chat_days", "chat_id"),
    ("moderation_captchas", "message_chat_id"),
}
# What erasure keeps, by design: the network ban of a banned person (the id and the reason only, so that they
# cannot come back into every group) and the timer that lifts it when it ends (without it, the row would
# outlive the ban forever).
KEPT = {
    "moderation_blocklist": lambda table: table.c.user_id == PERSON,
    "moderation_timers": lambda table: table.c.key == f"netban:{PERSON}",
}


def is_person_column(table: sa.Table, column: sa.Column) -> bool:
    if (table.name, column.name) in NOT_A_PERSON:
        return False
    if column.name in PERSON_COLUMN_NAMES or column.name.endswith(PERSON_COLUMN_SUFFIX):
        return True
    return column.name == "id" and bool(USERS_TABLE.search(table.name))


def is_integer(column: sa.Column) -> bool:
    return isinstance(column.type, sa.Integer)


def is_text(column: sa.Column) -> bool:
    return isinstance(column.type, sa.String | sa.JSON)


def reflected(database_url: str) -> sa.MetaData:
    metadata = sa.MetaData()
    metadata.reflect(engine_for(database_url))
    return metadata


def schema(settings: Settings) -> list[tuple[str, sa.Table]]:
    """Every table of every component's database, as migrated: (component, table), version tables left out."""
    found: dict[str, tuple[str, sa.Table]] = {}
    for component in components.discover():
        if not component.database:
            continue
        prefix = f"{component.name}_"
        for table in reflected(settings.database_url_for(component.database)).sorted_tables:
            if table.name.startswith(prefix):
                found[table.name] = (component.name, table)
    return sorted(found.values(), key=lambda item: item[1].name)


def person_columns(tables: list[tuple[str, sa.Table]]) -> list[tuple[sa.Table, sa.Column]]:
    return [(table, column) for _, table in tables for column in table.columns if is_person_column(table, column)]


def rows_holding(url: str, table: sa.Table, where) -> int:
    kept = KEPT.get(table.name)
    if kept is not None:
        where = sa.and_(where, sa.not_(kept(table)))
    with engine_for(url).connect() as connection:
        return connection.scalar(sa.select(sa.func.count()).select_from(table).where(where))


def traces_left(settings: Settings, tables: list[tuple[str, sa.Table]]) -> dict[str, int]:
    """{"table.column": rows} still holding the person: their id in an integer column (whatever its name), their
    id, name or username in a text or JSON column — kept rows aside."""
    left = {}
    for component, table in tables:
        url = settings.database_url_for(components.by_name(component).database)
        for column in table.columns:
            if is_integer(column):
                where = sa.cast(column, sa.BigInteger) == PERSON  # (an INTEGER column is compared as a BIGINT)
            elif is_text(column):
                text = sa.cast(column, sa.Text)
                where = sa.or_(*(text.ilike(f"%{trace}%") for trace in TRACES))
            else:
                continue  # dates, booleans, bytes (a chat's photo)
            if (count := rows_holding(url, table, where)) > 0:
                left[f"{table.name}.{column.name}"] = count
    return left


# -- the seed --------------------------------------------------------------------------------------------------

ZELDA = {"id": PERSON, "is_bot": False, "first_name": FIRST, "last_name": LAST, "username": USERNAME,
         "language_code": "it"}  # fmt: skip


def private_message(sender: dict, date: int = DAY) -> dict:
    """A message to the bot in private: the chat's id is the sender's."""
    update = message(sender["id"], sender, date, text="/start")
    update["message"]["chat"] = {"id": sender["id"], "type": "private", "first_name": sender["first_name"],
                                 "username": sender.get("username")}  # fmt: skip
    return update


def seed_stats(url: str) -> None:
    ingest(url, joined(GROUP, ZELDA), message(GROUP, ZELDA), private_message(ZELDA))
    with session_scope(url) as session:
        # What older versions stored for private chats (per-user counts, and retention's rolled-up totals).
        long_ago = datetime.fromtimestamp(DAY, UTC).date() - timedelta(days=500)
        session.add(MessageCount(day=long_ago + timedelta(days=1), chat_id=PERSON, user_id=PERSON, messages=2))
        session.add(ChatDay(day=long_ago, chat_id=PERSON, messages=7, active_users=1))
        profile = TrackedProfile(username=USERNAME, monitored=True, added_at=datetime.now(UTC))
        session.add(profile)
        session.flush()
        session.add(ProfileObservation(profile_id=profile.id, observed_at=datetime.now(UTC),
                                       name=f"{FIRST} {LAST}", bio="ciao"))  # fmt: skip
        event = {"case_id": 7_300_001, "at": "2026-11-20T10:00:00+00:00", "chat_id": GROUP,
                 "action": "MODERATION_WARN", "target_user_id": PERSON}  # fmt: skip
        record_action(session, CaseEvent.parse(event))


def seed_moderation(url: str) -> None:
    now = datetime.now(UTC)
    with session_scope(url) as session:
        session.add_all([
            ManagedChat(id=GROUP, bot_id=BOT, title="Erasure"),
            TelegramUser(id=PERSON, first_name=FIRST, last_name=LAST, username=USERNAME, language_code="it"),
            TelegramUser(id=OTHER, first_name="Otto", username="otto_erasure"),
            TelegramUser(id=STAFF, first_name="Sam", username="sam_erasure"),
            Membership(chat_id=GROUP, user_id=PERSON, status="member"),
            Restriction(chat_id=GROUP, user_id=PERSON, kind="mute", until=now + timedelta(hours=1)),
            Role(user_id=PERSON, role="moderator", all_groups=True),
            WelcomeSent(chat_id=GROUP, user_id=PERSON),
            # A join request's CAPTCHA, asked in the private chat (message_chat_id: hers).
            Captcha(kind="request", stage="captcha", bot_id=BOT, chat_id=GROUP, user_id=PERSON, mode="button",
                    message_chat_id=PERSON, message_id=11, due_at=now + timedelta(minutes=5)),
            Trust(user_id=PERSON, level="probation"),
            Trust(user_id=OTHER, level="verified", verified_at=now, verified_by=PERSON),
            Appeal(user_id=PERSON, bot_id=BOT),
            Appeal(user_id=OTHER, bot_id=BOT, status="lifted", decided_by=PERSON, decided_at=now),
            WhitelistedBot(username="erasure_helper_bot", whitelisted_by=PERSON),
        ])  # fmt: skip
        session.flush()
        timers.schedule(session, f"unmute:{GROUP}:{PERSON}", "unmute", now + timedelta(hours=1), bot_id=BOT,
                        chat_id=GROUP, user_id=PERSON)  # fmt: skip
        # Sam bans Zelda from the network (kept); Zelda, as staff, had banned Otto.
        jobs.ban_everywhere(session, PERSON, source="superban", reason="spam links", until=now + timedelta(days=30),
                            issuer_id=STAFF)  # fmt: skip
        jobs.ban_everywhere(session, OTHER, source="superban", reason="flood", until=None, issuer_id=PERSON)
        cases = [
            Case(event="MODERATION_SUPERBAN", network=True, target_id=PERSON, issuer_id=STAFF, reason="spam links",
                 evidence="buy followers from Zelda"),
            Case(event="MODERATION_WARN", chat_id=GROUP, target_id=PERSON, issuer_id=STAFF, reason="rude",
                 evidence="a message Zelda wrote"),
            Case(event="MODERATION_SUPERBAN", network=True, target_id=OTHER, issuer_id=PERSON, reason="flood"),
            Case(event="MODERATION_MUTE", chat_id=GROUP, target_id=OTHER, issuer_id=PERSON, reason="shouting",
                 until=now + timedelta(hours=1), evidence="AAAA"),
        ]  # fmt: skip
        session.add_all(cases)
        for case in cases:
            log_chat.enqueue(session, case, BOT)  # the log chat's text, as the worker writes it
        session.flush()
        session.add(Warning(chat_id=GROUP, user_id=PERSON, case_id=cases[1].id))
        # Half of the log entries went out already, half are waiting.
        for entry in session.scalars(sa.select(LogEntry).where(LogEntry.case_id.in_([cases[0].id, cases[2].id]))):
            entry.sent_at = now


def seed_catalog(url: str) -> None:
    with session_scope(url) as session:
        session.execute(sa.delete(Department).where(Department.slug == "erasure-studies"))  # an earlier run's
        department = Department(name="Erasure studies", slug="erasure-studies")
        session.add_all([department, CatalogUser(id=PERSON, first_name=FIRST, last_name=LAST, username=USERNAME)])
        session.flush()
        session.add_all([
            Representative(department_id=department.id, user_id=PERSON, degree_name="Informatica"),
            GroupAdmin(user_id=PERSON, all_degrees=True),
        ])  # fmt: skip
        # The admin's audit log, linked to the people an entry names by the real rule (aula_shared.staff).
        changes = [
            ("TelegramUser", str(PERSON), None, {"id": PERSON, "first_name": FIRST, "username": USERNAME}),
            ("Role", "77", None, {"user_id": PERSON, "role": "moderator"}),
            ("WhitelistedBot", "helper_bot", None, {"username": "helper_bot", "whitelisted_by": PERSON}),
            ("BlockedUser", str(OTHER), {"user_id": OTHER, "issuer_id": PERSON}, None),
        ]  # fmt: skip
        for model, object_id, before, after in changes:
            entry = StaffAudit(staff_username="erasure_staff", area="moderation", view=f"x_{model}.edit_view",
                               action="update", model=model, object_id=object_id, before=before,
                               after=after)  # fmt: skip
            entry.people = [StaffAuditPerson(telegram_user_id=p) for p in people_named(model, before, after)]
            session.add(entry)


# -- the test --------------------------------------------------------------------------------------------------


@pytest.fixture
def environment(migrated_pg, clean_tables, redis_url, monkeypatch) -> Settings:
    for name in ("CATALOG_DATABASE_URL", "MODERATION_DATABASE_URL", "STATS_DATABASE_URL", "AULA_EMBEDDED"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", migrated_pg)
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("SECRET_KEY", "test-secret-key")
    return Settings.from_env()


def test_every_integer_column_that_looks_like_a_person_is_known_to_the_rules(environment):
    tables = schema(environment)
    assert {component for component, _ in tables} >= {"catalog", "moderation", "stats"}
    unknown = [
        f"{table.name}.{column.name}"
        for _, table in tables
        for column in table.columns
        if is_integer(column)
        and LOOKS_LIKE_A_PERSON.search(column.name)
        and not is_person_column(table, column)
        and (table.name, column.name) not in NOT_A_PERSON
    ]
    assert unknown == [], "a person's id? add it to the rules (and the seed), or to NOT_A_PERSON with the reason"
    assert not [
        table.name
        for _, table in tables
        if USERS_TABLE.search(table.name) and "id" in table.c and not is_person_column(table, table.c.id)
        and (table.name, "id") not in NOT_A_PERSON
    ]  # fmt: skip
    narrow = [f"{t.name}.{c.name}" for t, c in person_columns(tables) if not isinstance(c.type, sa.BigInteger)]
    assert narrow == [], "a Telegram id needs 64 bits"
    stale = [key for key in NOT_A_PERSON if key[0] not in {t.name for _, t in tables}]
    assert stale == [], "NOT_A_PERSON names a table that no longer exists"


def test_erase_leaves_nothing_of_the_person_anywhere_but_the_kept_network_ban(environment, capsys):
    from aula_shared.cli import main

    url = environment.database_url_for("moderation")
    seed_stats(environment.database_url_for("stats"))
    seed_moderation(url)
    seed_catalog(environment.database_url_for("catalog"))
    tables = schema(environment)
    columns = person_columns(tables)
    by_component = {table.name: component for component, table in tables}

    def holding(table: sa.Table, column: sa.Column) -> int:
        database = components.by_name(by_component[table.name]).database
        with engine_for(environment.database_url_for(database)).connect() as connection:
            return connection.scalar(sa.select(sa.func.count()).select_from(table).where(column == PERSON))

    # The seed reaches every person column and every column private chats reach: nothing is checked vacuously.
    unseeded = [f"{t.name}.{c.name}" for t, c in columns if holding(t, c) == 0]
    assert unseeded == [], "seed these columns with the person"
    assert len(columns) >= 20
    by_name = {table.name: table for _, table in tables}
    assert all(holding(by_name[t], by_name[t].c[c]) for t, c in PRIVATE_CHAT_COLUMNS)
    found = traces_left(environment, tables)  # the search finds what is there, in both kinds of column
    assert {"moderation_log_outbox.text", "stats_users.username", "stats_chat_days.chat_id"} <= set(found)

    assert main(["users", "erase", str(PERSON)]) == 0
    assert f"user {PERSON} erased" in capsys.readouterr().out

    left = traces_left(environment, tables)
    assert left == {}, f"still holding the person: {left}"
    with engine_for(url).connect() as connection:  # what is kept, is kept
        for name, kept in KEPT.items():
            assert connection.scalar(sa.select(sa.func.count()).where(kept(by_name[name]))) == 1, name
