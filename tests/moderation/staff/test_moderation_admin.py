"""Moderation's pages in the staff admin: roles granted, edited and revoked as `aula roles` does (and applied at
once through the worker's queue), the moderation log, network jobs, the blocklist, the bot whitelist and the
managed chats' settings. Real PostgreSQL and Redis; the cases and jobs are written by the worker's own functions.
"""

from __future__ import annotations

import html
import re
import subprocess
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
import telegram
from conftest import free_port_url
from sqlalchemy import select
from staff_support import form_fields, queued_tasks, staff_app, staff_client
from support import AULA

from aula_moderation.chats.models import ManagedChat
from aula_moderation.commands import cases
from aula_moderation.commands.parser import Command
from aula_moderation.commands.scene import Person, Scene
from aula_moderation.log.models import Case, LogEntry
from aula_moderation.network import jobs as network
from aula_moderation.network.models import BlockedUser, JobResult, WhitelistedBot
from aula_moderation.people import records as people
from aula_moderation.roles.models import Role
from aula_moderation.roles.powers import Powers
from aula_shared.db import session_scope
from aula_shared.settings import Settings

pytestmark = [
    # Flask-Admin 2.1 still hands WTForms choices as tuples; nothing to act on here.
    pytest.mark.filterwarnings("ignore::DeprecationWarning:wtforms.*"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:flask_admin.*"),
]

ADA, BOB, MOD = 501, 502, 503
CHAT, OTHER_CHAT = -1001000000001, -1001000000002
PAGES = (
    "/admin/moderation_roles/",
    "/admin/moderation_roles/new/",
    "/admin/moderation_cases/",
    "/admin/moderation_jobs/",
    "/admin/moderation_blocklist/",
    "/admin/moderation_bots/",
    "/admin/moderation_bots/new/",
    "/admin/moderation_chats/",
)


@pytest.fixture
def db(migrated_pg, clean_tables) -> str:
    """The session's database with moderation's tables empty, two managed chats and three known people."""
    with session_scope(migrated_pg) as session:
        session.add_all([
            ManagedChat(id=CHAT, bot_id=1, title="Informatica 2026", language="it", settings={}),
            ManagedChat(id=OTHER_CHAT, bot_id=1, title="Fisica", language="en", settings={"custom": 1}),
        ])  # fmt: skip
        for user_id, name, username in ((ADA, "Ada", "ada_l"), (BOB, "Bob", None), (MOD, "Marta", "marta_mod")):
            people.upsert_user(session, telegram.User(user_id, name, is_bot=False, username=username))
    return migrated_pg


def roles_client(db: str, redis_url: str):
    return staff_client(db, redis_url=redis_url)


def submit(client, path: str, values: dict, form_class: str = "admin-form"):
    """Open the form at `path`, fill in `values` over what it shows, post it back (CSRF token included)."""
    fields = form_fields(client.get(path).get_data(as_text=True), form_class)
    fields.update(values)
    return client.post(path, data={k: v for k, v in fields.items() if v is not None}, follow_redirects=True)


def delete_row(client, list_path: str, row_id) -> None:
    """Press a row's delete button on the list page (its form carries the CSRF token)."""
    fields = form_fields(client.get(list_path).get_data(as_text=True), "icon")
    assert "csrf_token" in fields, "no delete button on the list"
    client.post(f"{list_path}delete/", data={**fields, "id": str(row_id)}, follow_redirects=True)


def stored_roles(db: str) -> list[Role]:
    with session_scope(db) as session:
        return list(session.scalars(select(Role).order_by(Role.user_id, Role.role)))


def text_of(response) -> str:
    return response.get_data(as_text=True)


def column(page: str, name: str) -> list[str]:
    """The text of a list page's cells in one column, row by row."""
    cells = re.findall(rf'<td class="col-{name}">(.*?)</td>', page, re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in cells]


# -- access --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [*PAGES, "/admin/moderation_roles/edit/?id=1", "/admin/moderation_jobs/details/?id=1"])
def test_every_moderation_page_needs_a_login(migrated_pg, path):
    response = staff_app(migrated_pg).test_client().get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/login?next=")


def test_every_moderation_page_opens_and_sits_in_the_moderation_menu(db, redis_url):
    client = roles_client(db, redis_url)
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 200, (path, text_of(response)[-800:])
    menu = text_of(client.get("/admin/"))
    assert "Moderation" in menu
    for name in ("Roles", "Cases", "Network jobs", "Blocklist", "Bot whitelist", "Managed chats"):
        assert name in menu


# -- roles ---------------------------------------------------------------------------------------------------


def test_a_grant_through_the_form_is_stored_with_its_scope_and_applied_at_once(db, redis_url, redis_client):
    client = roles_client(db, redis_url)
    response = submit(
        client,
        "/admin/moderation_roles/new/",
        {
            "user_id": str(ADA),
            "role": "administrator",
            "extra_groups": "y",
            "degrees": "triennale-informatica, fisica",
            "departments": "dip-informatica",
            "chats": str(CHAT),
            "custom_title": "Capo",
            "command_overrides": "superban=yes info=no",
            "right_overrides": "can_delete_messages=yes",
        },
    )
    assert response.status_code == 200
    [role] = stored_roles(db)
    assert (role.user_id, role.role, role.all_groups, role.extra_groups) == (ADA, "administrator", False, True)
    assert role.degrees == ["fisica", "triennale-informatica"] and role.departments == ["dip-informatica"]
    assert role.chats == [CHAT] and role.custom_title == "Capo"
    assert role.command_overrides == {"superban": True, "info": False}
    assert role.right_overrides == {"can_delete_messages": True}
    assert queued_tasks(redis_client) == [("aula.moderation.apply_roles", [ADA])]
    listing = text_of(client.get("/admin/moderation_roles/"))
    assert "Ada (@ada_l) · 501" in listing
    assert "extra groups, degree fisica, degree triennale-informatica, department dip-informatica" in listing
    assert "info=no superban=yes; can_delete_messages=yes" in listing


def test_granting_a_role_the_user_holds_widens_it_as_the_cli_does(db, redis_url, redis_client):
    client = roles_client(db, redis_url)
    submit(client, "/admin/moderation_roles/new/", {"user_id": str(BOB), "role": "moderator", "degrees": "fisica"})
    response = submit(
        client, "/admin/moderation_roles/new/", {"user_id": str(BOB), "role": "moderator", "all_groups": "y"}
    )
    assert "already was moderator" in text_of(response)
    [role] = stored_roles(db)
    assert role.all_groups and role.degrees == ["fisica"]
    assert queued_tasks(redis_client) == [("aula.moderation.apply_roles", [BOB])] * 2


@pytest.mark.parametrize(
    ("values", "error"),
    [
        ({"role": "king"}, "Not a valid choice"),
        ({"user_id": "ada"}, "Not a valid integer value"),
        ({"user_id": "-5"}, "at least 1"),
        ({"degrees": "Informatica!"}, "degree &#39;Informatica!&#39; is not a slug"),
        ({"departments": "dip_informatica"}, "department &#39;dip_informatica&#39; is not a slug"),
        ({"chats": "12345"}, "chat 12345 is not a group id"),
        ({"chats": "-100abc"}, "chat ids are whole numbers"),
        ({"command_overrides": "ban=maybe"}, "a command override must be NAME=yes|no"),
        ({"right_overrides": "can_fly=yes"}, "a right override must be NAME=yes|no"),
        ({"custom_title": "A title far too long"}, "cannot be longer than 16 characters"),
    ],
)
def test_an_invalid_grant_shows_the_error_and_stores_nothing(db, redis_url, redis_client, values, error):
    client = roles_client(db, redis_url)
    response = submit(client, "/admin/moderation_roles/new/", {"user_id": str(ADA), "role": "moderator", **values})
    page = text_of(response)
    assert response.status_code == 200 and error in page, page[-2000:]
    if "role" not in values:  # what was typed is shown again (a select shows its choices)
        assert next(iter(values.values())).replace("'", "&#39;") in page
    assert stored_roles(db) == []
    assert queued_tasks(redis_client) == []


def test_editing_sets_the_scope_exactly_and_deleting_revokes(db, redis_url, redis_client):
    client = roles_client(db, redis_url)
    submit(
        client,
        "/admin/moderation_roles/new/",
        {"user_id": str(MOD), "role": "moderator", "degrees": "fisica", "command_overrides": "ban=yes"},
    )
    [role] = stored_roles(db)
    edit = f"/admin/moderation_roles/edit/?id={role.id}"
    page = text_of(client.get(edit))
    assert "moderator of Marta (@marta_mod) · 503" in page
    assert form_fields(page, "admin-form")["degrees"] == "fisica"
    assert form_fields(page, "admin-form")["command_overrides"] == "ban=yes"
    bad = submit(client, edit, {"degrees": "Not A Slug"})
    assert "is not a slug" in text_of(bad)
    assert stored_roles(db)[0].degrees == ["fisica"]  # unchanged by the refused edit
    submit(client, edit, {"degrees": "informatica", "all_groups": "y", "command_overrides": "", "custom_title": "Mod"})
    [role] = stored_roles(db)
    assert role.degrees == ["informatica"] and role.all_groups  # replaced, not widened
    assert role.command_overrides == {} and role.custom_title == "Mod"

    delete_row(client, "/admin/moderation_roles/", role.id)
    assert stored_roles(db) == []
    assert queued_tasks(redis_client) == [("aula.moderation.apply_roles", [MOD])] * 3  # grant, edit, revoke


def test_without_a_reachable_broker_the_grant_is_kept_and_staff_are_told(db):
    client = staff_client(db, redis_url=free_port_url())
    response = submit(client, "/admin/moderation_roles/new/", {"user_id": str(ADA), "role": "professor"})
    assert "not applied in the groups yet (could not reach the worker queue" in text_of(response)
    assert [(r.user_id, r.role) for r in stored_roles(db)] == [(ADA, "professor")]


def test_the_cli_grants_through_the_same_checks_and_message(db, platform_env, redis_client):
    def aula(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([AULA, *args], env=platform_env, capture_output=True, text=True, timeout=60)

    refused = aula("roles", "grant", str(ADA), "moderator", "--degree", "Bad Slug")
    assert refused.returncode == 1 and "is not a slug" in refused.stderr
    assert stored_roles(db) == [] and queued_tasks(redis_client) == []
    granted = aula("roles", "grant", str(ADA), "moderator", "--degree", "fisica")
    assert granted.returncode == 0, granted.stderr
    assert "granted moderator to 501: degree fisica" in granted.stdout
    assert queued_tasks(redis_client) == [("aula.moderation.apply_roles", [ADA])]


# -- CSRF ----------------------------------------------------------------------------------------------------


def test_every_change_needs_the_csrf_token(db, redis_url, redis_client):
    client = roles_client(db, redis_url)
    submit(client, "/admin/moderation_roles/new/", {"user_id": str(ADA), "role": "moderator"})
    [role] = stored_roles(db)
    forged = [
        ("/admin/moderation_roles/new/", {"user_id": str(BOB), "role": "superadmin"}),
        (f"/admin/moderation_roles/edit/?id={role.id}", {"all_groups": "y"}),
        ("/admin/moderation_roles/delete/", {"id": str(role.id)}),
        ("/admin/moderation_bots/new/", {"username": "evil_bot"}),
        (f"/admin/moderation_chats/edit/?id={CHAT}", {"language": "en", "warn_limit": "1"}),
    ]
    for path, data in forged:
        client.post(path, data=data, follow_redirects=True)
        client.post(path, data={**data, "csrf_token": "forged"}, follow_redirects=True)
    [after] = stored_roles(db)
    assert (after.user_id, after.role, after.all_groups) == (ADA, "moderator", False)
    assert queued_tasks(redis_client) == [("aula.moderation.apply_roles", [ADA])]  # the one real grant
    with session_scope(db) as session:
        assert session.scalars(select(WhitelistedBot)).all() == []
        chat = session.get(ManagedChat, CHAT)
        assert (chat.language, chat.settings) == ("it", {})


# -- cases and jobs ------------------------------------------------------------------------------------------


def worker_case(
    db: str, event: str, chat_id: int, issuer: int, target: int, reason: str, evidence: str, update_id: int
):
    """A case written by the worker's own function (cases.new_case), for a command in `chat_id`."""
    with session_scope(db) as session:
        chat = session.get(ManagedChat, chat_id)
        issuer_user = telegram.User(issuer, "Marta", is_bot=False, username="marta_mod")
        scene = Scene(
            services=SimpleNamespace(settings=Settings(database_url=db), redis=None),
            bot_id=1,
            update_id=update_id,
            client=None,
            chat=chat,
            message=SimpleNamespace(from_user=issuer_user),
            issuer=Person.of(issuer_user),
            powers=Powers(),
            command=Command(event.split("_")[-1].lower(), reason=reason),
        )
        until = datetime.now(UTC) + timedelta(days=1)
        case = cases.new_case(session, scene, event, Person(target), evidence=evidence, until=until, reason=reason)
        session.flush()
        return case.id


def test_the_moderation_log_lists_worker_cases_and_filters_them(db, redis_url):
    ban = worker_case(db, "MODERATION_BAN", CHAT, MOD, ADA, "spam links", "buy cheap followers at " + "x" * 200, 1)
    warn = worker_case(db, "MODERATION_WARN", OTHER_CHAT, MOD, BOB, "off topic", "<b>hello</b> there", 2)
    with session_scope(db) as session:  # an older case, for the day filter
        session.get(Case, warn).created_at = datetime(2025, 3, 1, 12, tzinfo=UTC)
    client = roles_client(db, redis_url)

    listing = text_of(client.get("/admin/moderation_cases/"))
    for shown in ("MODERATION_BAN", "MODERATION_WARN", "Informatica 2026", "Fisica", "Ada (@ada_l) · 501",
                  "Marta (@marta_mod) · 503", "spam links", "buy cheap followers", "2025-03-01 12:00 UTC"):  # fmt: skip
        assert shown in listing, shown

    def shown_cases(query: str) -> set[str]:
        page = text_of(client.get(f"/admin/moderation_cases/?{query}"))
        assert "Invalid Filter" not in page
        return {cell.split()[-1] for cell in column(page, "event")}

    assert shown_cases("flt0_action_equals=MODERATION_WARN") == {"MODERATION_WARN"}
    assert shown_cases(f"flt0_chat_id_equals={CHAT}") == {"MODERATION_BAN"}
    assert shown_cases("flt0_chat_title_contains=fisi") == {"MODERATION_WARN"}
    assert shown_cases(f"flt0_target_id_equals={BOB}") == {"MODERATION_WARN"}
    assert shown_cases("flt0_target_name_contains=ada") == {"MODERATION_BAN"}
    assert shown_cases("flt0_day_utc_is=2025-03-01") == {"MODERATION_WARN"}
    assert shown_cases(f"flt0_day_utc_is={datetime.now(UTC):%Y-%m-%d}") == {"MODERATION_BAN"}
    assert shown_cases("search=spam") == {"MODERATION_BAN"}
    assert shown_cases("search=nothing+like+this") == set()

    details = text_of(client.get(f"/admin/moderation_cases/details/?id={ban}"))
    assert "buy cheap followers at " + "x" * 200 in details  # the whole evidence
    assert "Informatica 2026 · -1001000000001" in details and "chat" in details
    warned = text_of(client.get(f"/admin/moderation_cases/details/?id={warn}"))
    assert "&lt;b&gt;hello&lt;/b&gt; there" in warned and "<b>hello</b>" not in warned  # evidence is text, not HTML
    assert client.get(f"/admin/moderation_cases/edit/?id={ban}").status_code in (302, 403, 404)


def test_a_network_job_shows_its_totals_and_each_chats_result(db, redis_url):
    third = -1001000000003
    with session_scope(db) as session:
        for chat_id, status in ((CHAT, "member"), (OTHER_CHAT, "member"), (third, "left")):
            people.set_membership(session, chat_id, ADA, status)
        session.add(ManagedChat(id=third, bot_id=1, title="Matematica", language="it", settings={}))
        session.flush()
        job = network.start_job(session, "superban", ADA, MOD, None)
        results = {r.chat_id: r for r in session.scalars(select(JobResult).where(JobResult.job_id == job.id))}
        results[CHAT].result = "done"
        results[OTHER_CHAT].result, results[OTHER_CHAT].detail = "no_rights", "Bad Request: not enough rights"
        job_id = job.id
    client = roles_client(db, redis_url)

    listing = text_of(client.get("/admin/moderation_jobs/"))
    assert "superban" in listing and "Ada (@ada_l) · 501" in listing
    totals = [column(listing, result) for result in ("done", "not_member", "no_rights", "failed")]
    assert totals == [["1"], ["1"], ["1"], ["0"]]

    details = text_of(client.get(f"/admin/moderation_jobs/details/?id={job_id}"))
    assert "done: 1 · not_member: 1 · no_rights: 1 · failed: 0 · pending: 0" in details
    table = details[details.index('id="job-results"') :]
    assert "Informatica 2026 · -1001000000001" in table and "Fisica · -1001000000002" in table
    assert "Bad Request: not enough rights" in table and "Matematica · -1001000000003" in table
    assert 'class="result-not_member"' in table
    assert client.get("/admin/moderation_jobs/details/?id=999999").status_code == 302  # gone: back to the list


# -- blocklist, whitelist, chats -----------------------------------------------------------------------------


def test_the_blocklist_lists_every_source_and_filters(db, redis_url):
    with session_scope(db) as session:
        network.block(session, ADA, "superban", reason="spam everywhere", until=None, issuer_id=MOD)
        session.add(BlockedUser(user_id=9_000_001, source="external", reason="external blocklist"))
    client = roles_client(db, redis_url)
    listing = text_of(client.get("/admin/moderation_blocklist/"))
    assert "Ada (@ada_l) · 501" in listing and "spam everywhere" in listing and "permanent" in listing
    assert "9000001" in listing
    assert "external blocklist" not in text_of(client.get("/admin/moderation_blocklist/?flt0_source_equals=superban"))


def test_adding_to_the_blocklist_is_a_network_ban_run_by_the_worker(db, redis_url, redis_client):
    with session_scope(db) as session:
        people.set_membership(session, CHAT, ADA, "member")
    client = roles_client(db, redis_url)
    page = submit(client, "/admin/moderation_blocklist/new/", {"user_id": str(ADA), "reason": "spam", "duration": "7d"})
    assert "Network job" in text_of(page)
    with session_scope(db) as session:
        entry = session.get(BlockedUser, ADA)
        [case] = session.scalars(select(Case)).all()
        results = {
            r.chat_id: r.result for r in session.scalars(select(JobResult).where(JobResult.job_id == case.job_id))
        }
        assert entry.source == "admin" and entry.reason == "spam"
        assert abs(entry.until - (datetime.now(UTC) + timedelta(days=7))) < timedelta(minutes=1)
        assert (case.event, case.network, case.target_id, case.issuer_id) == ("MODERATION_SUPERBAN", True, ADA, None)
        assert case.reason == "spam (staff admin: alice)"
        assert results == {CHAT: "pending"}  # the worker bans her there
    assert queued_tasks(redis_client) == [("aula.moderation.network_job", [case.job_id])]


def test_a_network_ban_from_the_admin_reaches_the_moderation_log(db, redis_url):
    client = staff_client(db, redis_url=redis_url, log_chat_id=-1009000000001)
    submit(client, "/admin/moderation_blocklist/new/", {"user_id": str(ADA), "reason": "spam"})
    with session_scope(db) as session:
        [entry] = session.scalars(select(LogEntry)).all()
        assert entry.bot_id == 1 and entry.sent_at is None  # the worker's flush sends it
    # the log chat speaks the network's default language (it); the #EVENT tag stays
    assert "#MODERATION_SUPERBAN" in entry.text and "🌐 Ambito: network" in entry.text
    assert "Ada" in entry.text and "spam (staff admin: alice)" in entry.text


@pytest.mark.parametrize(
    ("values", "error"),
    [
        ({"user_id": "ada", "reason": "spam"}, "Not a valid integer"),
        ({"user_id": "-5", "reason": "spam"}, "at least 1"),
        ({"user_id": str(ADA), "reason": ""}, "This field is required"),
        ({"user_id": str(ADA), "reason": "spam", "duration": "forever"}, "a duration such as"),
        ({"user_id": str(ADA), "reason": "spam", "duration": "400d"}, "a duration such as"),
    ],
)
def test_a_bad_network_ban_is_refused_and_nothing_happens(db, redis_url, redis_client, values, error):
    client = roles_client(db, redis_url)
    page = text_of(submit(client, "/admin/moderation_blocklist/new/", values))
    assert error in page, page[-1500:]
    with session_scope(db) as session:
        assert session.scalars(select(BlockedUser)).all() == [] and session.scalars(select(Case)).all() == []
    assert queued_tasks(redis_client) == []


def test_removing_from_the_blocklist_lifts_the_ban_everywhere(db, redis_url, redis_client):
    with session_scope(db) as session:
        network.block(session, ADA, "superban", reason="spam", until=None, issuer_id=MOD)
        people.set_membership(session, CHAT, ADA, "kicked")
    client = roles_client(db, redis_url)
    delete_row(client, "/admin/moderation_blocklist/", ADA)
    with session_scope(db) as session:
        assert session.get(BlockedUser, ADA) is None
        [case] = session.scalars(select(Case)).all()
        results = {
            r.chat_id: r.result for r in session.scalars(select(JobResult).where(JobResult.job_id == case.job_id))
        }
        assert (case.event, case.target_id, case.reason) == ("MODERATION_SUPERFREE", ADA, "staff admin: alice")
        assert results == {CHAT: "pending"}  # the worker unbans her there
    assert queued_tasks(redis_client) == [("aula.moderation.network_job", [case.job_id])]


def test_bots_are_whitelisted_and_removed(db, redis_url):
    client = roles_client(db, redis_url)
    submit(client, "/admin/moderation_bots/new/", {"username": " @Good_Helper_Bot "})
    for bad, error in (("not_a_b0t", "ends in bot"), ("@good_helper_bot", "already whitelisted")):
        page = text_of(submit(client, "/admin/moderation_bots/new/", {"username": bad}))
        assert error in page, page[-1500:]
    with session_scope(db) as session:
        assert [row.username for row in session.scalars(select(WhitelistedBot))] == ["good_helper_bot"]
    listing = text_of(client.get("/admin/moderation_bots/"))
    assert "@good_helper_bot" in listing and "staff admin" in listing
    delete_row(client, "/admin/moderation_bots/", "good_helper_bot")
    with session_scope(db) as session:
        assert session.scalars(select(WhitelistedBot)).all() == []


def test_a_chats_moderation_settings_are_edited_as_checked_fields(db, redis_url):
    with session_scope(db) as session:
        session.get(ManagedChat, OTHER_CHAT).settings = {"custom": 1, "ignore_admin_tagging": True, "warn_limit": 4}
    client = roles_client(db, redis_url)
    listing = text_of(client.get("/admin/moderation_chats/"))
    assert "Informatica 2026" in listing and "ignore_admin_tagging=True" in listing
    edit = f"/admin/moderation_chats/edit/?id={OTHER_CHAT}"
    shown = form_fields(text_of(client.get(edit)), "admin-form")
    assert shown["warn_limit"] == "4" and shown["ignore_admin_tagging"] == "y" and shown["notice_delay"] == ""

    for bad, error in (({"warn_limit": "0"}, "between 1 and 100"), ({"notice_delay": "soon"}, "Not a valid integer"),
                       ({"warn_action": "superban"}, "Not a valid choice")):  # fmt: skip
        assert error in text_of(submit(client, edit, bad))
    with session_scope(db) as session:
        assert session.get(ManagedChat, OTHER_CHAT).settings["warn_limit"] == 4  # unchanged by refused edits

    values = {"warn_limit": "5", "warn_action": "ban", "warn_action_seconds": "0", "notice_delay": "30",
              "ignore_admin_tagging": None, "language": "it"}  # fmt: skip
    submit(client, edit, values)
    with session_scope(db) as session:
        chat = session.get(ManagedChat, OTHER_CHAT)
        assert chat.language == "it"
        # What the worker reads (Scene.setting), unknown keys kept, unticked switch back to default.
        assert chat.settings == {
            "custom": 1,
            "warn_limit": 5,
            "warn_action": "ban",
            "warn_action_seconds": 0,
            "notice_delay": 30,
        }
    submit(client, edit, {"warn_limit": "", "warn_action": "", "warn_action_seconds": "", "notice_delay": ""})
    with session_scope(db) as session:
        assert session.get(ManagedChat, OTHER_CHAT).settings == {"custom": 1}
