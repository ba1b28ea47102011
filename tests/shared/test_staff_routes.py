"""Every route of the staff admin, walked from the app's url_map: none answers an anonymous visitor."""

from __future__ import annotations

import pytest
from staff_support import staff_app

pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning:wtforms.*"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:flask_admin.*"),
]

# Public on purpose: the login form itself and the admin's static assets (CSS, JavaScript, no data).
PUBLIC_ENDPOINTS = {"staff_auth.login"}
PLACEHOLDERS = {"IntegerConverter": 1, "FloatConverter": 1.0, "UUIDConverter": "00000000-0000-0000-0000-000000000000"}


def _placeholder(rule, name: str):
    return PLACEHOLDERS.get(type(rule._converters[name]).__name__, "x")


def admin_requests(app) -> list[tuple[str, str, str]]:
    """(endpoint, method, path) of every method of every rule under /admin, with placeholder arguments."""
    found = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if not rule.rule.startswith("/admin") or rule.endpoint in PUBLIC_ENDPOINTS:
                continue
            if rule.endpoint.endswith(".static") or rule.endpoint == "admin.static":
                continue
            arguments = {name: _placeholder(rule, name) for name in rule.arguments}
            path = rule.build(arguments, append_unknown=False)[1]
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                found.append((rule.endpoint, method, path))
    return found


def test_the_walk_covers_every_component(migrated_pg):
    endpoints = {endpoint for endpoint, _, _ in admin_requests(staff_app(migrated_pg))}
    for prefix in ("admin.", "courses.", "moderation_roles.", "onboarding_", "stats_activity.", "staff_auth."):
        assert any(endpoint.startswith(prefix) for endpoint in endpoints), prefix
    assert len(endpoints) > 100


def test_every_admin_route_sends_an_anonymous_visitor_to_the_login(migrated_pg):
    app = staff_app(migrated_pg)
    answered = []
    for endpoint, method, path in admin_requests(app):
        client = app.test_client()
        response = client.open(path, method=method, data={})
        location = response.headers.get("Location", "")
        refused = response.status_code in (401, 403, 405)
        to_login = response.status_code in (301, 302, 303, 307, 308) and location.startswith("/admin/login")
        if not (refused or to_login):
            answered.append(f"{method} {path} ({endpoint}) -> {response.status_code} {location}")
    assert answered == []
