"""Driving the staff admin in tests: the form fields a browser would submit, and a logged-in test client.

Every component's staff pages are served by catalog-api's app (aula_shared.staff); tests of moderation's,
onboarding's or statistics' pages log in there exactly as staff would.
"""

from __future__ import annotations

import base64
import json
from html.parser import HTMLParser

from sqlalchemy import delete

from aula_shared.mailbox import queue_name

PASSWORD = "correct horse battery staple"


class FormFields(HTMLParser):
    """The fields of the first form with a given class (or the first form), as a browser would submit them."""

    def __init__(self, form_class: str | None = None) -> None:
        super().__init__()
        self.form_class = form_class
        self.inside = False
        self.done = False
        self.fields: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        wanted = self.form_class is None or self.form_class in (attrs.get("class") or "").split()
        if tag == "form" and not self.done and wanted:
            self.inside = True
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button", "checkbox"):
            self.fields[name] = attrs.get("value") or ""
        elif tag == "input" and name and attrs.get("type") == "checkbox" and "checked" in attrs:
            self.fields[name] = attrs.get("value") or "y"
        elif tag == "select" and name:
            self._select = name
            self.fields.setdefault(name, "")
        elif tag == "option" and self._select and ("selected" in attrs):
            self.fields[self._select] = attrs.get("value") or ""
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = ""

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form" and self.inside:
            self.inside = False
            self.done = True


def form_fields(html: str, form_class: str | None = None) -> dict[str, str]:
    parser = FormFields(form_class)
    parser.feed(html)
    return parser.fields


def queued_tasks(redis_client, service: str = "moderation") -> list[tuple[str, list]]:
    """(task name, args) of every Celery message waiting on the service's queue."""
    found = []
    for raw in redis_client.lrange(queue_name(service), 0, -1):
        message = json.loads(raw)
        args = json.loads(base64.b64decode(message["body"]))[0]
        found.append((message["headers"]["task"], args))
    return found


def log_in(client, username: str = "alice", password: str = PASSWORD):
    page = client.get("/admin/login")
    token = form_fields(page.get_data(as_text=True))["csrf_token"]
    return client.post("/admin/login", data={"username": username, "password": password, "csrf_token": token})


def staff_app(database_url: str, **settings):
    """catalog-api's app on a database migrated for every component, with staff login "alice"."""
    from aula_catalog.admin.auth import create_staff_user
    from aula_catalog.app import create_app
    from aula_catalog.config import CatalogConfig
    from aula_catalog.models import StaffUser
    from aula_shared.db import session_scope
    from aula_shared.settings import Settings

    with session_scope(database_url) as session:
        session.execute(delete(StaffUser).where(StaffUser.username == "alice"))
    # alice reads the admin in English, the language these tests were written in (the staff default is Italian)
    create_staff_user(database_url, "alice", PASSWORD, language="en")
    settings.setdefault("secret_key", "test-secret-key-" + "x" * 32)
    settings.setdefault("embedded", True)
    return create_app(
        Settings(database_url=database_url, **settings), CatalogConfig(revision_ttl=0.0, secure_cookies=False)
    )


def staff_client(database_url: str, **settings):
    """A test client of `staff_app` already logged in as alice."""
    client = staff_app(database_url, **settings).test_client()
    assert log_in(client).status_code == 302
    return client
