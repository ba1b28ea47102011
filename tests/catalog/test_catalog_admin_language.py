"""The staff admin speaks each staff member's language (Italian unless they chose English), Flask-Admin's own
texts and every component's pages included; the choice is stored with the login."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select
from staff_support import PASSWORD, form_fields, log_in, staff_app

from aula_catalog.admin.auth import create_staff_user
from aula_catalog.models import StaffUser
from aula_shared.db import session_scope

pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning:wtforms.*"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:flask_admin.*"),
]


def client_of(url: str, username: str, language: str | None):
    """A test client logged in as a new staff member; language None: never chosen (the default)."""
    with session_scope(url) as session:
        session.execute(delete(StaffUser).where(StaffUser.username == username))
    create_staff_user(url, username, PASSWORD, language=language)
    client = staff_app(url).test_client()
    assert log_in(client, username).status_code == 302
    return client


def stored_language(url: str, username: str) -> str:
    with session_scope(url) as session:
        return session.scalar(select(StaffUser.language).where(StaffUser.username == username))


# (Italian, English): an Aula catalog page name, Flask-Admin's own button, a statistics page, the logout button.
COURSES_PAGE = [("Insegnamenti", "Courses"), (">Crea<", ">Create<"), ("Statistiche", "Statistics"), ("Esci", "Log out")]


@pytest.mark.parametrize("language", [None, "it", "en"])
def test_the_admin_shows_the_staff_members_language(migrated_pg, language):
    page = client_of(migrated_pg, f"staff_{language}", language).get("/admin/courses/").get_data(as_text=True)
    english = language == "en"
    for italian_text, english_text in COURSES_PAGE:
        assert (english_text if english else italian_text) in page
        assert (italian_text if english else english_text) not in page


def test_statistics_pages_and_their_errors_are_translated(migrated_pg):
    italian = client_of(migrated_pg, "staff_it", "it")
    page = italian.get("/admin/stats_activity/?from=2026-09-30&to=2026-09-01")
    assert page.status_code == 400
    text = page.get_data(as_text=True)
    assert "Il periodo inizia (2026-09-30) dopo la sua fine (2026-09-01)." in text
    assert "Tutti i gruppi" in text and "Mostra" in text
    english = client_of(migrated_pg, "staff_en", "en").get("/admin/stats_profile_history/?q=!!")
    assert "is neither a user id (digits) nor a username" in english.get_data(as_text=True)


def test_the_menu_switch_stores_the_choice(migrated_pg):
    client = client_of(migrated_pg, "switcher", None)
    home = client.get("/admin/courses/").get_data(as_text=True)
    assert "Insegnamenti" in home
    token = form_fields(home, "staff-language")["csrf_token"]
    switched = client.post("/admin/language", data={"csrf_token": token, "language": "en", "next": "/admin/courses/"})
    assert switched.status_code == 302 and switched.headers["Location"] == "/admin/courses/"
    assert stored_language(migrated_pg, "switcher") == "en"
    assert "Courses" in client.get("/admin/courses/").get_data(as_text=True)
    # Without its CSRF token, or with a language Aula does not speak, nothing changes.
    client.post("/admin/language", data={"language": "it"})
    client.post("/admin/language", data={"csrf_token": token, "language": "de"})
    assert stored_language(migrated_pg, "switcher") == "en"
    # An address elsewhere is not followed.
    away = client.post("/admin/language", data={"csrf_token": token, "language": "it", "next": "https://evil.example/"})
    assert away.headers["Location"] == "/admin/"
    assert stored_language(migrated_pg, "switcher") == "it"


def test_the_login_page_speaks_the_browsers_language_else_italian(migrated_pg):
    client = staff_app(migrated_pg).test_client()
    assert "Accedi" in client.get("/admin/login").get_data(as_text=True)
    assert "Log in" in client.get("/admin/login", headers={"Accept-Language": "en-GB,en;q=0.8"}).get_data(as_text=True)
    assert "Accedi" in client.get("/admin/login", headers={"Accept-Language": "de-DE"}).get_data(as_text=True)
    wrong = log_in(client, "nobody", "wrong password!")
    assert wrong.status_code == 401 and "Nome utente o password errati." in wrong.get_data(as_text=True)


def test_every_staff_page_opens_in_italian(migrated_pg):
    client = client_of(migrated_pg, "staff_it", "it")
    [admin] = client.application.extensions["admin"]
    for view in admin._views:
        page = view.url.rstrip("/") + "/"
        assert client.get(page).status_code == 200, page
