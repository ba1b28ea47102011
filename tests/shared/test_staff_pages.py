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
