"""Staff permissions per area, on every component's pages, and the audit log of every change made in the admin."""

from __future__ import annotations

import json
import re
import uuid

import pytest
import telegram
from flask_admin import BaseView, expose
from sqlalchemy import delete, select
from staff_support import PASSWORD, form_fields, log_in, staff_app

from aula_catalog.admin.auth import create_staff_user
from aula_catalog.cli import AREA_NAMES
from aula_catalog.models import ALL_AREAS, Professor, StaffAudit, StaffUser
from aula_moderation.chats.models import ManagedChat
from aula_moderation.people import records as people
from aula_moderation.roles.models import Role
from aula_shared.db import session_scope
from aula_shared.staff import AREAS, EVERY_LOGIN, StaffModelView, StaffOnly, StaffPage, area_of, check_views

pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning:wtforms.*"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:flask_admin.*"),
]

ADA = 601
CHAT = -1001000000601


def login(app, areas: tuple[str, ...] | None, url: str) -> tuple[object, str]:
    """A test client logged in as a new staff member with `areas` (None: the default, all)."""
    username = f"staff_{uuid.uuid4().hex[:8]}"
    create_staff_user(url, username, PASSWORD, language="en", areas=areas)
    client = app.test_client()
    assert log_in(client, username).status_code == 302
    return client, username


def views(app) -> list[BaseView]:
    [admin] = app.extensions["admin"]
    return list(admin._views)


def entries(url: str, username: str) -> list[StaffAudit]:
    with session_scope(url) as session:
        rows = session.scalars(select(StaffAudit).where(StaffAudit.staff_username == username).order_by(StaffAudit.id))
        return list(rows)


# -- areas -----------------------------------------------------------------------------------------------------


def test_every_page_of_every_component_belongs_to_an_area(migrated_pg):
    assert ",".join(AREAS) == ALL_AREAS  # the copies that avoid importing Flask-Admin
    assert AREAS == AREA_NAMES
    expected = {"moderation_": "moderation", "onboarding_": "onboarding", "stats_": "statistics", "staff_": "staff"}
    for view in views(staff_app(migrated_pg)):
        area = area_of(view)
        assert area in AREAS or (area == EVERY_LOGIN and view.endpoint == "admin"), view.endpoint
        for prefix, wanted in expected.items():
            if view.endpoint.startswith(prefix):
                assert area == wanted, view.endpoint
        if view.endpoint in ("courses", "departments", "telegram_users"):
            assert area == "catalog"


def test_a_page_without_an_area_or_outside_the_staff_pages_is_refused_at_start(migrated_pg):
    class Nameless(StaffPage):
        @expose("/")
        def index(self):
            return "x"

    class Open(BaseView):
        @expose("/")
        def index(self):
            return "y"

    [admin] = staff_app(migrated_pg).extensions["admin"]
    admin._views.append(Nameless(name="x", endpoint="somewhere"))
    with pytest.raises(ValueError, match="no area"):
        check_views(admin)
    admin._views[-1] = Open(name="y", endpoint="elsewhere")
    with pytest.raises(TypeError, match="open to anyone"):
        check_views(admin)


@pytest.mark.parametrize("areas", [("catalog",), ("moderation", "statistics"), ("onboarding", "staff")])
def test_a_login_opens_and_sees_in_its_menu_only_the_pages_of_its_areas(migrated_pg, areas):
    app = staff_app(migrated_pg)
    client, _ = login(app, areas, migrated_pg)
    home = client.get("/admin/")
    assert home.status_code == 200
    menu = home.get_data(as_text=True)
    for view in views(app):
        if view.endpoint == "admin":
            continue
        allowed = area_of(view) in areas
        page = client.get(view.url.rstrip("/") + "/")
        assert page.status_code == (200 if allowed else 403), view.endpoint
        assert (f'href="{view.url.rstrip("/")}/"' in menu) == allowed, view.endpoint


def test_a_post_to_a_page_of_another_area_is_refused_and_changes_nothing(migrated_pg):
    app = staff_app(migrated_pg)
    catalog_only, _ = login(app, ("catalog",), migrated_pg)
    everything, _ = login(app, None, migrated_pg)
    page = everything.get("/admin/moderation/settings/").get_data(as_text=True)
    fields = form_fields(page, "network-settings")
    fields.update(warn_limit="7")
    refused = catalog_only.post("/admin/moderation/settings/", data=fields)
    assert refused.status_code == 403
    assert "no access to this part" in refused.get_data(as_text=True)
    assert 'name="warn_limit" value="7"' not in everything.get("/admin/moderation/settings/").get_data(as_text=True)


def test_a_change_of_areas_applies_at_the_next_page(migrated_pg):
    from aula_catalog.admin.auth import set_staff_areas

    app = staff_app(migrated_pg)
    client, username = login(app, ("catalog",), migrated_pg)
    assert client.get("/admin/stats_activity/").status_code == 403
    assert set_staff_areas(migrated_pg, username, ("catalog", "statistics")) == ("catalog",)
    assert client.get("/admin/stats_activity/").status_code == 200


# -- the audit log ---------------------------------------------------------------------------------------------


def test_catalog_changes_are_recorded_with_who_and_the_row_before_and_after(migrated_pg):
    app = staff_app(migrated_pg)
    client, username = login(app, ("catalog",), migrated_pg)
    new = form_fields(client.get("/admin/professors/new/").get_data(as_text=True), "admin-form")
    new.update(first_name="Grace", last_name="Hopper", url="")
    assert client.post("/admin/professors/new/", data=new).status_code == 302
    with session_scope(migrated_pg) as session:
        professor_id = session.scalars(select(Professor.id).where(Professor.last_name == "Hopper")).one()
    edit = f"/admin/professors/edit/?id={professor_id}"
    fields = form_fields(client.get(edit).get_data(as_text=True), "admin-form")
    fields.update(first_name="Grace B.")
    assert client.post(edit, data=fields).status_code == 302
    listing = client.get("/admin/professors/").get_data(as_text=True)
    token = form_fields(listing, "icon")["csrf_token"]
    assert client.post("/admin/professors/delete/", data={"id": professor_id, "csrf_token": token}).status_code == 302

    created, updated, deleted = entries(migrated_pg, username)
    assert (created.action, updated.action, deleted.action) == ("create", "update", "delete")
    assert {entry.model for entry in (created, updated, deleted)} == {"Professor"}
    assert {entry.object_id for entry in (created, updated, deleted)} == {str(professor_id)}
    assert {entry.area for entry in (created, updated, deleted)} == {"catalog"}
    assert created.before is None and created.after["first_name"] == "Grace"
    assert updated.before["first_name"] == "Grace" and updated.after["first_name"] == "Grace B."
    assert deleted.before["first_name"] == "Grace B." and deleted.after is None
    assert all(entry.at is not None and entry.staff_user_id for entry in (created, updated, deleted))


def test_a_refused_form_records_nothing(migrated_pg):
    app = staff_app(migrated_pg)
    client, username = login(app, None, migrated_pg)
    new = form_fields(client.get("/admin/professors/new/").get_data(as_text=True), "admin-form")
    new.update(first_name="", last_name="")
    assert client.post("/admin/professors/new/", data=new).status_code == 200  # the form again, with errors
    page = client.get("/admin/moderation/settings/").get_data(as_text=True)
    fields = form_fields(page, "network-settings")
    assert client.post("/admin/moderation/settings/", data={**fields, "warn_limit": "0"}).status_code == 200
    assert entries(migrated_pg, username) == []


@pytest.fixture
def moderation_db(migrated_pg, clean_tables) -> str:
    with session_scope(migrated_pg) as session:
        session.add(ManagedChat(id=CHAT, bot_id=1, title="Informatica 2026", language="it", settings={}))
        people.upsert_user(session, telegram.User(ADA, "Ada", is_bot=False, username="ada_l"))
    return migrated_pg


def test_other_components_changes_are_recorded_too(moderation_db, redis_url, redis_client):
    app = staff_app(moderation_db, redis_url=redis_url)
    client, username = login(app, ("moderation",), moderation_db)
    # A model view whose create is moderation's own (a role granted through moderation's functions)…
    grant = form_fields(client.get("/admin/moderation_roles/new/").get_data(as_text=True), "admin-form")
    grant.update(user_id=str(ADA), role="moderator", all_groups="y")
    assert client.post("/admin/moderation_roles/new/", data=grant).status_code == 302
    # …and a free-form page's POST (the network's settings).
    page = client.get("/admin/moderation/settings/").get_data(as_text=True)
    fields = form_fields(page, "network-settings")
    fields.update(warn_limit="6")
    assert client.post("/admin/moderation/settings/", data=fields).status_code == 302

    granted, settings = entries(moderation_db, username)
    assert (granted.action, granted.area, granted.model) == ("create", "moderation", "Role")
    assert granted.after["user_id"] == ADA and granted.after["role"] == "moderator"
    assert (settings.action, settings.area, settings.view) == ("post", "moderation", "moderation_settings.index")
    assert settings.after["warn_limit"] == "6" and "csrf_token" not in settings.after
    with session_scope(moderation_db) as session:
        session.execute(delete(Role).where(Role.user_id == ADA))


def test_the_audit_log_is_browsable_with_the_staff_area_only(migrated_pg):
    app = staff_app(migrated_pg)
    editor, username = login(app, ("catalog",), migrated_pg)
    new = form_fields(editor.get("/admin/professors/new/").get_data(as_text=True), "admin-form")
    new.update(first_name="Ada", last_name="Lovelace", url="")
    editor.post("/admin/professors/new/", data=new)
    assert editor.get("/admin/staff_audit/").status_code == 403
    auditor, _ = login(app, ("staff",), migrated_pg)
    listing = auditor.get(f"/admin/staff_audit/?search={username}")
    assert listing.status_code == 200
    text = listing.get_data(as_text=True)
    assert username in text and "Lovelace" in text and "Professor" in text
    logins = auditor.get("/admin/staff_users/").get_data(as_text=True)
    assert username in logins and "catalog" in logins


def test_no_password_or_token_is_kept_in_the_audit_log(migrated_pg):
    app = staff_app(migrated_pg)
    client, username = login(app, None, migrated_pg)
    page = client.get("/admin/moderation/settings/").get_data(as_text=True)
    fields = form_fields(page, "network-settings")
    token = fields["csrf_token"]
    client.post("/admin/moderation/settings/", data={**fields, "warn_limit": "5", "api_token": "s3cr3t-v4lue"})
    stored = json.dumps([entry.after for entry in entries(migrated_pg, username)])
    assert "s3cr3t-v4lue" not in stored and token not in stored and PASSWORD not in stored


def test_users_export_includes_the_audit_entries_naming_the_person_and_erase_empties_them(
    moderation_db, redis_url, redis_client, monkeypatch, capsys
):
    from aula_shared.cli import main

    app = staff_app(moderation_db, redis_url=redis_url)
    client, username = login(app, None, moderation_db)
    grant = form_fields(client.get("/admin/moderation_roles/new/").get_data(as_text=True), "admin-form")
    grant.update(user_id=str(ADA), role="professor", all_groups="y")
    assert client.post("/admin/moderation_roles/new/", data=grant).status_code == 302
    for name in ("CATALOG_DATABASE_URL", "MODERATION_DATABASE_URL", "STATS_DATABASE_URL", "AULA_EMBEDDED"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", moderation_db)
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("SECRET_KEY", "test-secret-key")
    capsys.readouterr()
    assert main(["users", "export", str(ADA)]) == 0
    exported = json.loads(capsys.readouterr().out)["components"]["catalog"]["staff_audit"]
    mine = [entry for entry in exported if entry["staff_user"] == username]
    assert len(mine) == 1 and mine[0]["action"] == "create" and mine[0]["after"]["role"] == "professor"
    assert main(["users", "erase", str(ADA)]) == 0
    assert "catalog:" in capsys.readouterr().out
    [entry] = entries(moderation_db, username)
    assert entry.before is None and entry.after is None and entry.people == []  # who did what, when: kept
    assert main(["users", "export", str(ADA)]) == 0
    assert "catalog" not in json.loads(capsys.readouterr().out)["components"]


def test_existing_and_new_logins_keep_every_area_by_default(migrated_pg):
    username = f"staff_{uuid.uuid4().hex[:8]}"
    create_staff_user(migrated_pg, username, PASSWORD)
    with session_scope(migrated_pg) as session:
        user = session.scalars(select(StaffUser).where(StaffUser.username == username)).one()
        assert user.areas == ALL_AREAS
    assert re.fullmatch(r"[a-z,]+", ALL_AREAS)
    assert issubclass(StaffModelView, StaffOnly) and issubclass(StaffPage, StaffOnly)
