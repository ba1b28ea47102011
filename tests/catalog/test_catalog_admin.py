"""The staff admin through HTTP: login required, CSRF everywhere, hashed passwords, edits reach the API."""

from __future__ import annotations

import logging
import re

import pytest
from catalog.catalog_data import load_standard_catalog
from catalog.conftest import make_app
from sqlalchemy import select
from staff_support import PASSWORD, form_fields, log_in

from aula_catalog.admin.auth import create_staff_user
from aula_catalog.models import Course, CourseDegree, Degree
from aula_shared.db import session_scope

pytestmark = [
    # Flask-Admin 2.1 still hands WTForms choices as tuples; nothing to act on here.
    pytest.mark.filterwarnings("ignore::DeprecationWarning:wtforms.*"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:flask_admin.*"),
]


@pytest.fixture(scope="module")
def admin_database(module_database) -> str:
    """One database for the module: the tests that write change rows no other test reads."""
    url = module_database()
    load_standard_catalog(url)
    create_staff_user(url, "alice", PASSWORD)
    return url


def course_id(url: str, name: str) -> int:
    """A course of Informatica (triennale) by name."""
    with session_scope(url) as session:
        return session.scalars(
            select(Course.id)
            .join(CourseDegree)
            .join(Degree)
            .where(Degree.slug == "triennale-informatica", Course.name == name)
        ).one()


@pytest.mark.parametrize(
    "path",
    [
        "/admin/",
        "/admin/courses/",
        "/admin/degrees/edit/?id=1",
        "/admin/featured_groups/new/",
        "/admin/telegram_users/",
    ],
)
def test_every_admin_page_needs_a_login(admin_database, path):
    client = make_app(admin_database).test_client()
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/login?next=")


def test_login_needs_the_right_password_and_a_csrf_token(admin_database, caplog):
    client = make_app(admin_database).test_client()
    caplog.set_level(logging.INFO)
    wrong = log_in(client, password="wrong password!")
    assert wrong.status_code == 401
    assert client.get("/admin/").status_code == 302
    without_token = client.post("/admin/login", data={"username": "alice", "password": PASSWORD})
    assert without_token.status_code == 200 and b'id="login"' in without_token.data
    assert client.get("/admin/").status_code == 302
    assert log_in(client).status_code == 302
    assert client.get("/admin/").status_code == 200
    assert PASSWORD not in caplog.text and "wrong password!" not in caplog.text


def test_password_guessing_is_slowed_down(admin_database):
    client = make_app(admin_database).test_client()
    for _ in range(10):
        assert log_in(client, password="guess guess guess").status_code == 401
    assert log_in(client).status_code == 429  # even the right password, for a while


def test_next_cannot_redirect_off_site(admin_database):
    client = make_app(admin_database).test_client()
    page = client.get("/admin/login?next=https://evil.example/")
    token = form_fields(page.get_data(as_text=True))["csrf_token"]
    response = client.post(
        "/admin/login?next=https://evil.example/", data={"username": "alice", "password": PASSWORD, "csrf_token": token}
    )
    assert response.headers["Location"] == "/admin/"


def test_session_cookies_are_secure_httponly_and_samesite(admin_database):
    client = make_app(admin_database, secure_cookies=True).test_client()
    response = log_in(client)
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("aula_catalog_session="))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert PASSWORD not in cookie


def test_admin_pages_are_not_cached_or_framed(admin_database):
    client = make_app(admin_database).test_client()
    log_in(client)
    page = client.get("/admin/courses/")
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "noindex" in page.headers["X-Robots-Tag"]


@pytest.mark.parametrize(
    "path",
    [
        "/admin/departments/",
        "/admin/degrees/",
        "/admin/courses/",
        "/admin/professors/",
        "/admin/degree_links/",
        "/admin/representatives/",
        "/admin/featured_groups/",
        "/admin/telegram_groups/",
        "/admin/telegram_users/",
        "/admin/group_admins/",
        "/admin/courses/?search=logica",
        "/admin/degrees/?flt0_0=M",
        "/admin/departments/edit/?id=1",
        "/admin/degrees/edit/?id=1",
        "/admin/featured_groups/new/",
    ],
)
def test_every_entity_has_its_pages(admin_database, path):
    client = make_app(admin_database).test_client()
    log_in(client)
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)[-500:]
    assert b"csrf_token" in response.data or b"data-csrf" in response.data or b"<table" in response.data


def test_the_course_list_can_filter_by_degree_and_search(admin_database):
    client = make_app(admin_database).test_client()
    log_in(client)
    page = client.get("/admin/courses/?search=logica+matematica").get_data(as_text=True)
    assert "Logica matematica" in page
    assert "Informatica [Triennale]" in page


def test_editing_a_course_with_its_links_reaches_the_api(admin_database):
    app = make_app(admin_database)
    client = app.test_client()
    log_in(client)
    logica = course_id(admin_database, "Logica matematica")
    edit = client.get(f"/admin/courses/edit/?id={logica}").get_data(as_text=True)
    fields = form_fields(edit, "admin-form")
    assert fields["name"] == "Logica matematica"
    assert fields["links-0-name"] == "Avvisi"
    fields.update({"cfu": "9", "name": "Logica matematica (nuovo)", "links-0-name": "Avvisi Ariel"})
    saved = client.post(f"/admin/courses/edit/?id={logica}&url=/admin/courses/", data=fields)
    assert saved.status_code == 302, saved.get_data(as_text=True)[-800:]
    degree = client.get("/api/degree?slug=triennale-informatica").get_json()
    rows = client.get(f"/api/courses?deg_id={degree['pk']}").get_json()
    course = next(r["course"] for r in rows if r["course"]["pk"] == logica)
    assert (course["name"], course["cfu"], course["links"][0]["name"]) == (
        "Logica matematica (nuovo)",
        9,
        "Avvisi Ariel",
    )


def test_a_post_without_the_csrf_token_changes_nothing(admin_database):
    client = make_app(admin_database).test_client()
    log_in(client)
    programmazione = course_id(admin_database, "Programmazione 2")
    fields = form_fields(client.get(f"/admin/courses/edit/?id={programmazione}").get_data(as_text=True), "admin-form")
    with session_scope(admin_database) as session:
        before = session.get(Course, programmazione).cfu
    fields.pop("csrf_token")
    fields["cfu"] = "1"
    client.post(f"/admin/courses/edit/?id={programmazione}", data=fields)
    with session_scope(admin_database) as session:
        assert session.get(Course, programmazione).cfu == before != 1


def test_logout_is_a_protected_post(admin_database):
    client = make_app(admin_database).test_client()
    log_in(client)
    home = client.get("/admin/").get_data(as_text=True)
    assert client.get("/admin/logout").status_code == 405
    token = re.search(r'action="/admin/logout".*?name="csrf_token" type="hidden" value="([^"]+)"', home, re.S).group(1)
    assert client.post("/admin/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/admin/").status_code == 302


def test_errors_never_show_secrets(admin_database):
    app = make_app(admin_database)
    client = app.test_client()
    log_in(client)
    page = client.get("/admin/courses/edit/?id=999999")
    assert page.status_code in (302, 404)
    body = (client.get("/api/degree?pk=-1").get_data(as_text=True) + page.get_data(as_text=True)).lower()
    assert app.config["SECRET_KEY"].lower() not in body and "traceback" not in body and "postgresql" not in body
