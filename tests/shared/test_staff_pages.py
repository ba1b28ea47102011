"""Components add their pages to the one staff admin: served behind the same login, menu entries per component."""

from __future__ import annotations

import pytest
from staff_support import staff_app, staff_client

from aula_shared import components

pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning:wtforms.*"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:flask_admin.*"),
]


def test_every_installed_component_with_staff_pages_is_hosted(migrated_pg):
    with_pages = {c.name for c in components.discover() if c.staff_views}
    assert {"moderation", "stats"} <= with_pages
    app = staff_app(migrated_pg)
    blueprints = set(app.blueprints)
    assert "admin" in blueprints and "staff_auth" in blueprints


def test_the_staff_home_needs_a_login_and_then_shows_the_menu(migrated_pg):
    anonymous = staff_app(migrated_pg).test_client()
    assert anonymous.get("/admin/").status_code == 302
    client = staff_client(migrated_pg)
    page = client.get("/admin/")
    assert page.status_code == 200
    assert "Log out" in page.get_data(as_text=True)


def _pages(app) -> list[str]:
    """The index page of every view in the admin menu, and its "create" form where it has one."""
    [admin] = app.extensions["admin"]
    pages = []
    for view in admin._views:
        pages.append(view.url.rstrip("/") + "/")
        if getattr(view, "can_create", False):
            pages.append(view.url.rstrip("/") + "/new/")
    return pages


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    """The embedded default's database (SQLite) with every component's migrations."""
    from aula_shared import migrations

    url = f"sqlite:///{tmp_path / 'aula.db'}"
    for component in components.discover():
        if component.migrations:
            migrations.upgrade(component, url)
    return url


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"])
def test_every_staff_page_of_every_component_opens_on_both_databases(backend, migrated_pg, sqlite_url):
    url = migrated_pg if backend == "postgresql" else sqlite_url
    client = staff_client(url)
    pages = _pages(client.application)
    assert any(p.startswith("/admin/moderation") for p in pages) and any("stats" in p for p in pages)
    broken = {page: status for page in pages if (status := client.get(page).status_code) != 200}
    assert broken == {}
