"""The Bots page of the staff admin: staff of the "staff accounts" area see the bots Aula runs with their tokens
masked, and stop one with Delete — kept inactive in the registry and announced to every gateway at once."""

from __future__ import annotations

import uuid

import pytest
import redis
from sqlalchemy import select
from staff_support import PASSWORD, form_fields, log_in, staff_app

from aula_catalog.admin.auth import create_staff_user
from aula_catalog.models import StaffAudit
from aula_shared.db import session_scope
from aula_shared.platform import changes, registry
from aula_shared.platform.models import Bot

pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning:wtforms.*"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:flask_admin.*"),
]

RUNNING = (7000000051, "7000000051:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw")
OTHER = (7000000052, "7000000052:BBHdqTcvCH1vGWJxfSeofSAs0K5PALDsbx")


@pytest.fixture
def bots(migrated_pg, clean_tables) -> str:
    platform = migrated_pg
    for (bot_id, token), name in ((RUNNING, "aula_one_bot"), (OTHER, "aula_two_bot")):
        registry.save_bot(platform, bot_id, name, token, "s3cret-webhook", f"https://aula.example.org/webhook/{bot_id}")
    return platform


def client_with(app, url: str, areas: tuple[str, ...]):
    username = f"staff_{uuid.uuid4().hex[:8]}"
    create_staff_user(url, username, PASSWORD, language="en", areas=areas)
    client = app.test_client()
    assert log_in(client, username).status_code == 302
    return client, username


def test_staff_see_every_running_bot_with_its_token_masked(bots, redis_url):
    app = staff_app(bots, redis_url=redis_url)
    client, _ = client_with(app, bots, ("staff",))
    page = client.get("/admin/staff_bots/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "@aula_one_bot" in html and "@aula_two_bot" in html
    assert "7000000051:AA…aw" in html
    for _bot_id, token in (RUNNING, OTHER):
        assert token.partition(":")[2] not in html  # never the secret part of a token
    assert "s3cret-webhook" not in html
    assert "/admin/staff_bots/new/" not in html and "/admin/staff_bots/edit/" not in html
    assert client.get("/admin/staff_bots/new/").status_code in (302, 403, 404)


def test_delete_stops_the_bot_announces_it_and_is_audited_without_the_token(bots, redis_url):
    app = staff_app(bots, redis_url=redis_url)
    client, username = client_with(app, bots, ("staff",))
    listener = redis.Redis.from_url(redis_url).pubsub()
    listener.subscribe(changes.CHANNEL)
    assert listener.get_message(timeout=2)["type"] == "subscribe"
    token = form_fields(client.get("/admin/staff_bots/").get_data(as_text=True), "icon")["csrf_token"]
    answer = client.post("/admin/staff_bots/delete/", data={"id": RUNNING[0], "csrf_token": token})
    assert answer.status_code == 302
    assert listener.get_message(timeout=5)["data"] == b"changed"
    assert registry.find_bot(bots, RUNNING[0]) is None  # the gateways refuse it from now on
    with session_scope(bots) as session:
        assert session.get(Bot, RUNNING[0]).active is False  # kept: `aula bots add` brings it back
        [entry] = session.scalars(select(StaffAudit).where(StaffAudit.staff_username == username)).all()
        assert (entry.action, entry.model, entry.object_id) == ("delete", "Bot", str(RUNNING[0]))
        assert entry.before["token"] == "<hidden>" and entry.before["webhook_secret"] == "<hidden>"
    html = client.get("/admin/staff_bots/").get_data(as_text=True)
    assert "@aula_one_bot" not in html and "@aula_two_bot" in html
    # Deleting it again (a second tab) changes nothing and says so.
    again = client.post("/admin/staff_bots/delete/", data={"id": RUNNING[0], "csrf_token": token})
    assert again.status_code == 302
    assert listener.get_message(timeout=1) is None
    listener.close()


def test_other_areas_and_anonymous_visitors_cannot_open_or_stop_bots(bots, redis_url):
    app = staff_app(bots, redis_url=redis_url)
    client, _ = client_with(app, bots, ("catalog", "moderation"))
    assert client.get("/admin/staff_bots/").status_code == 403
    assert client.post("/admin/staff_bots/delete/", data={"id": RUNNING[0]}).status_code in (400, 403)
    anonymous = app.test_client().get("/admin/staff_bots/")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert registry.find_bot(bots, RUNNING[0]) is not None
