"""Moderation's, onboarding's and statistics' staff pages in a real browser, as staff use them.

Headless Chromium (tests/browser_support.py) against catalog-api served by granian (`aula serve catalog`) on
the session's PostgreSQL and Redis: log in, go through the menu, fill forms by their labels, press the
buttons; then check what was stored, what was queued for the worker, and that no page raised a JavaScript
error or reached for another host (there is no internet: the admin must be self-contained).
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta

import pytest
import telegram
from browser_support import PageWatch, catalog_server, chromium, log_in
from sqlalchemy import select
from staff_support import queued_tasks
from stats.chart_data import ALGEBRA, load_known_data

from aula_catalog.admin.auth import create_staff_user
from aula_moderation.chats import records as chats
from aula_moderation.chats.models import OnboardingSettings
from aula_moderation.network.models import BlockedUser, NetworkJob
from aula_moderation.onboarding import welcome
from aula_moderation.onboarding.models import WelcomeTemplate
from aula_moderation.people import records as people
from aula_moderation.roles.models import Role
from aula_shared.db import session_scope

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore::DeprecationWarning:wtforms.*"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:flask_admin.*"),
]

USERNAME, PASSWORD = "browser_staff", "a long browser staff password"
ADA, BOB = 601, 602
GROUP, BOT = -1001000000601, 7000000601
RANGE = ("2025-11-20", "2025-11-22")  # chart_data's three days


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


@pytest.fixture(scope="module")
def server(migrated_pg, redis_url, tmp_path_factory):
    """One catalog-api for the module: every test empties the tables and Redis it uses beforehand."""
    create_staff_user(migrated_pg, USERNAME, PASSWORD, update=True, language="en")  # English buttons below
    env = {k: v for k, v in os.environ.items() if not k.endswith("DATABASE_URL") and k != "AULA_EMBEDDED"}
    env.update(
        DATABASE_URL=migrated_pg,
        REDIS_URL=redis_url,
        SECRET_KEY="browser-test-secret-key-" + "x" * 32,
        CATALOG_SECURE_COOKIES="1",  # Chromium accepts Secure cookies from 127.0.0.1, as from HTTPS
        PYTHONUNBUFFERED="1",
    )
    with catalog_server(env, tmp_path_factory.mktemp("staff-browser") / "catalog.log") as base:
        yield base


@pytest.fixture
def world(migrated_pg, clean_tables, redis_client):
    """A managed group and two people moderation knows by name."""
    chats.manage(migrated_pg, GROUP, BOT, "Analisi 1", "it")
    with session_scope(migrated_pg) as session:
        people.upsert_user(session, telegram.User(ADA, "Ada", is_bot=False, username="ada_l"))
        people.upsert_user(session, telegram.User(BOB, "Bob", is_bot=False))
    return migrated_pg


class Staff:
    """A logged-in browser tab, with the watch on its context."""

    def __init__(self, page, base: str, watch: PageWatch) -> None:
        self.page, self.base, self.watch = page, base, watch

    def menu(self, category: str, item: str) -> None:
        """Open a page through the menu bar, as staff do (Bootstrap's dropdowns need the admin's scripts)."""
        page = self.page
        page.locator("nav .dropdown-toggle").filter(has_text=re.compile(rf"^\s*{category}\s*$")).click()
        with page.expect_navigation():
            page.locator(".dropdown-menu.show").get_by_role("link", name=item, exact=True).click()

    def goto(self, path: str):
        return self.page.goto(f"{self.base}{path}")

    def save(self, name: str = "Save") -> None:
        with self.page.expect_navigation():
            self.page.locator(f"input[type=submit][value='{name}'], button[type=submit]:text-is('{name}')").click()

    def flash(self) -> str:
        return self.page.locator(".alert").first.inner_text()


@pytest.fixture
def staff(browser, server):
    context = browser.new_context()
    watch = PageWatch(context, server)
    page = context.new_page()
    page.set_default_timeout(10_000)
    log_in(page, server, USERNAME, PASSWORD)
    yield Staff(page, server, watch)
    context.close()


def stored(database_url: str, query):
    with session_scope(database_url) as session:
        return list(session.scalars(query))


def test_a_role_granted_through_the_form_is_listed_stored_and_applied(staff, world, redis_client):
    page = staff.page
    staff.menu("Moderation", "Roles")
    page.get_by_role("link", name="Create").click()
    page.get_by_label("Telegram user id").fill(str(ADA))
    page.get_by_label("Role").select_option("moderator")
    page.get_by_label("Degrees").fill("triennale-informatica, fisica")
    page.get_by_label("Single chats").fill(str(GROUP))
    page.get_by_label("Custom title").fill("Tutor")
    page.get_by_label("Command overrides").fill("ban=no")
    staff.save()

    row = page.locator("table.model-list tbody tr", has_text="Ada (@ada_l) · 601")
    assert row.locator("td.col-role").inner_text().strip() == "moderator"
    assert "degree fisica, degree triennale-informatica" in row.locator("td.col-scope").inner_text()
    assert row.locator("td.col-custom_title").inner_text().strip() == "Tutor"
    [role] = stored(world, select(Role))
    assert (role.user_id, role.role, role.degrees, role.chats) == (
        ADA, "moderator", ["fisica", "triennale-informatica"], [GROUP],
    )  # fmt: skip
    assert role.custom_title == "Tutor" and role.command_overrides == {"ban": False}
    assert queued_tasks(redis_client) == [("aula.moderation.apply_roles", [ADA])]

    # A mistake is shown next to its field, with what was typed; nothing more is stored or queued.
    staff.goto("/admin/moderation_roles/new/")
    page.get_by_label("Telegram user id").fill(str(BOB))
    page.get_by_label("Single chats").fill("12345")
    staff.save()
    assert "chat 12345 is not a group id" in page.locator(".invalid-feedback, .help-block").first.inner_text()
    assert page.get_by_label("Single chats").input_value() == "12345"
    assert len(stored(world, select(Role))) == 1 and len(queued_tasks(redis_client)) == 1
    staff.watch.assert_clean()


def test_a_blocklist_entry_with_a_duration_starts_a_network_job(staff, world, redis_client):
    page = staff.page
    staff.menu("Moderation", "Blocklist")
    page.get_by_role("link", name="Create").click()
    page.get_by_label("Telegram user id").fill(str(BOB))
    page.get_by_label("Reason").fill("spam in every group")
    page.get_by_label("Duration").fill("forever")
    staff.save()
    assert "a duration such as 30m, 2h, 7d or 1w" in page.locator(".invalid-feedback, .help-block").first.inner_text()
    assert stored(world, select(BlockedUser)) == []

    page.get_by_label("Duration").fill("2d")
    staff.save()
    job_started = re.search(r"Network job (\d+) started", staff.flash())
    assert job_started, staff.flash()
    row = page.locator("table.model-list tbody tr", has_text="Bob · 602")
    assert row.locator("td.col-reason").inner_text().strip() == "spam in every group"
    assert row.locator("td.col-until").inner_text().strip() != "permanent"
    [entry] = stored(world, select(BlockedUser))
    assert timedelta(days=2) - timedelta(minutes=5) < entry.until - datetime.now(UTC) <= timedelta(days=2)
    [job] = stored(world, select(NetworkJob))
    assert (job.id, job.kind, job.user_id) == (int(job_started.group(1)), "superban", BOB)
    assert ("aula.moderation.network_job", [job.id]) in queued_tasks(redis_client)

    staff.menu("Moderation", "Network jobs")
    job_row = page.locator("table.model-list tbody tr", has_text="Bob · 602")
    assert job_row.locator("td.col-id").inner_text().strip() == str(job.id)
    assert job_row.locator("td.col-kind").inner_text().strip() == "superban"
    staff.watch.assert_clean()


def test_onboarding_settings_and_a_welcome_text_with_a_tag_telegram_refuses(staff, world):
    page = staff.page
    staff.menu("Onboarding", "Group settings")
    with page.expect_navigation():
        page.locator("#onboarding-settings tr", has_text="Analisi 1").get_by_role("link").click()
    page.get_by_label("CAPTCHA", exact=True).select_option("math")
    page.get_by_label("Time to answer (s)").fill("-5")
    staff.save()
    assert "captcha_timeout must be a number ≥ 0" in page.locator(".form-error").inner_text()
    assert stored(world, select(OnboardingSettings)) == []

    page.get_by_label("Time to answer (s)").fill("90")
    staff.save()
    assert "Settings of Analisi 1 saved." in staff.flash()
    assert page.get_by_label("CAPTCHA", exact=True).input_value() == "math"
    [row] = stored(world, select(OnboardingSettings))
    assert row.config["captcha"] == "math" and row.config["captcha_timeout"] == 90

    staff.menu("Onboarding", "Welcome texts")
    with page.expect_navigation():
        page.locator("#welcome-templates tr", has_text="Analisi 1").get_by_role("link").first.click()  # it
    text = page.get_by_label("Text (Telegram HTML)")
    text.fill("{greetings} {mention}! <blink>Leggi</blink> le <b>regole</b>")
    staff.save()
    assert "Markup Telegram does not accept was escaped" in staff.flash()
    escaped = "{greetings} {mention}! &lt;blink&gt;Leggi&lt;/blink&gt; le <b>regole</b>"
    assert text.input_value() == escaped  # staff see what was stored, not what they typed
    [template] = stored(world, select(WelcomeTemplate))
    assert template.template == escaped == welcome.validate(template.template)
    # The preview (a sandboxed frame) shows the refused tag as text and the accepted one as bold.
    preview = page.frame_locator("iframe.welcome-preview").first
    assert "<blink>Leggi</blink> le regole" in preview.locator("div").inner_text()
    assert preview.locator("b").inner_text() == "regole"

    text.fill("Ciao {nome}")
    staff.save()
    assert "unknown variable {nome}" in page.locator(".form-error").inner_text()
    assert [row.template for row in stored(world, select(WelcomeTemplate))] == [escaped]
    staff.watch.assert_clean()


def test_statistics_charts_are_inline_svg_and_a_bad_range_is_a_message(staff, clean_tables, migrated_pg):
    load_known_data(migrated_pg)
    page = staff.page
    staff.menu("Statistics", "Activity")
    page.get_by_label("Of").select_option(f"chat:{ALGEBRA}")
    page.get_by_label("From").fill(RANGE[0])
    page.get_by_label("to", exact=True).fill(RANGE[1])
    staff.save("Show")
    assert page.get_by_role("heading", name="Activity", exact=True).count() == 1  # Flask-Admin's title, once
    chart = page.locator(".stats-svg svg").first
    assert "Activity — Chat -401" in chart.locator("text.title").text_content()
    for series in ("Messages", "Active users"):
        assert chart.locator("g.legend text", has_text=series).is_visible()
    assert page.locator(".stats-empty").inner_text() == "No data yet for this range."  # no joins or leaves

    staff.menu("Statistics", "Moderation actions")
    page.get_by_label("From").fill(RANGE[0])
    page.get_by_label("to", exact=True).fill(RANGE[1])
    staff.save("Show")
    legend = page.locator(".stats-svg svg g.legend text")
    assert sorted(legend.all_text_contents()) == ["MODERATION_BAN", "MODERATION_SUPERBAN", "MODERATION_WARN"]

    # A range that ends before it starts: the page says so (400), with the form to fix it and no chart.
    page.get_by_label("From").fill(RANGE[1])
    page.get_by_label("to", exact=True).fill(RANGE[0])
    staff.watch.expect_status("/admin/stats_moderation/", 400)
    with page.expect_response(lambda response: "/admin/stats_moderation/" in response.url) as answer:
        staff.save("Show")
    assert answer.value.status == 400
    assert page.locator("#report-error").inner_text() == "The range starts (2025-11-22) after it ends (2025-11-20)."
    assert page.locator(".stats-svg svg").count() == 0
    # A date no date picker would send, typed into the address bar.
    response = staff.goto("/admin/stats_moderation/?from=2025-13-01")
    assert response.status == 400 and "is not a date like" in page.locator("#report-error").inner_text()
    staff.watch.assert_clean()


def test_every_staff_page_of_the_menu_opens_without_errors_or_outside_requests(staff, world):
    page = staff.page
    links = page.locator("nav .dropdown-menu a.dropdown-item")
    paths = sorted({href for href in (links.nth(i).get_attribute("href") for i in range(links.count())) if href})
    for wanted in ("/admin/moderation_roles/", "/admin/onboarding/settings/", "/admin/stats_activity/"):
        assert wanted in paths
    for path in paths:
        response = staff.goto(path)
        assert response.status == 200, path
        assert page.locator("nav.navbar").is_visible(), path  # the admin's own stylesheet and layout
    assert page.evaluate("typeof jQuery === 'function' && typeof jQuery.fn.dropdown === 'function'")
    staff.watch.assert_clean()


def test_the_watch_sees_script_errors_and_outside_requests(staff):
    """The other tests' `assert_clean` can fail: a thrown error, a 400 nobody expected and a fetch elsewhere."""
    page = staff.page
    staff.goto("/admin/stats_moderation/?from=soon")
    with page.expect_event("pageerror"):
        page.evaluate("setTimeout(() => { throw new Error('boom') })")
    with page.expect_event("requestfailed"):
        page.evaluate("fetch('http://example.org/chart.js').catch(() => null)")
    assert staff.watch.page_errors == [f"{page.url}: boom"]
    assert staff.watch.external == ["http://example.org/chart.js"]
    assert any("status of 400" in error for error in staff.watch.console_errors)
    with pytest.raises(AssertionError, match="requests to other hosts"):
        staff.watch.assert_clean()
