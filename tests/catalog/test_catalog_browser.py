"""The staff admin in a real browser: headless Chromium (Debian's) driven by Playwright, against the catalog
served by granian on PostgreSQL. Log in, edit a course and its links, see the change in the public API."""

from __future__ import annotations

import os

import httpx
import pytest
from browser_support import catalog_server as serve_catalog
from browser_support import chromium
from catalog.catalog_data import load_standard_catalog
from support import wait_until

from aula_catalog.admin.auth import create_staff_user

pytestmark = pytest.mark.browser

PASSWORD = "a long staff password"


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


@pytest.fixture
def catalog_server(new_database, tmp_path):
    url = new_database()
    load_standard_catalog(url)
    create_staff_user(url, "staff", PASSWORD, language="en")  # the steps below read English buttons
    env = {k: v for k, v in os.environ.items() if not k.endswith("DATABASE_URL") and k != "REDIS_URL"}
    env.update(
        CATALOG_DATABASE_URL=url,
        CATALOG_SECURE_COOKIES="1",  # Chromium accepts Secure cookies from 127.0.0.1, as from HTTPS
        CATALOG_SECRET_KEY_FILE=str(tmp_path / "secret"),
    )
    with serve_catalog(env, tmp_path / "catalog.log") as base:
        yield base


def test_staff_log_in_edit_a_course_and_the_api_shows_it(browser, catalog_server):
    api = httpx.Client(base_url=catalog_server, timeout=5)
    degree = api.get("/api/degree", params={"slug": "triennale-informatica"}).json()
    rows = api.get("/api/courses", params={"deg_id": degree["pk"]}).json()
    logica = next(r["course"] for r in rows if r["course"]["name"] == "Logica matematica")
    etag = api.get("/api/courses", params={"deg_id": degree["pk"]}).headers["etag"]

    page = browser.new_page()
    try:
        # Not logged in: the admin sends us to its login page.
        page.goto(f"{catalog_server}/admin/courses/")
        assert "/admin/login" in page.url
        page.fill("#username", "staff")
        page.fill("#password", "not the password")
        page.click("#login")
        assert page.locator("text=Wrong username or password.").is_visible()
        page.fill("#username", "staff")
        page.fill("#password", PASSWORD)
        page.click("#login")
        page.wait_for_url(f"{catalog_server}/admin/courses/")
        cookies = {c["name"]: c for c in page.context.cookies()}
        assert cookies["aula_catalog_session"]["secure"] and cookies["aula_catalog_session"]["httpOnly"]

        # Find the course with the list's search box and open it.
        page.fill("input[name=search]", "Logica matematica")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.locator("td", has_text="Informatica [Triennale]").first.is_visible()
        with page.expect_navigation():
            page.locator(f"a[href^='/admin/courses/edit/?id={logica['pk']}&']").first.click()
        assert page.input_value("#name") == "Logica matematica"

        # Edit the course, one of its links, and its row in the degree (inline forms), then save.
        page.fill("#cfu", "9")
        page.fill("input[name='links-0-name']", "Avvisi (Ariel)")
        # The admin dresses selects with select2; the real <select> underneath is what the form submits.
        page.select_option("select[name='degree_rows-0-semester']", "1", force=True)
        page.click("input[type=submit][value=Save]")
        page.wait_for_url(f"{catalog_server}/admin/courses/**")
        assert page.locator(".alert-success").first.is_visible()
    finally:
        page.close()

    def changed():
        answer = api.get("/api/courses", params={"deg_id": degree["pk"]}, headers={"If-None-Match": etag})
        return answer if answer.status_code == 200 else None

    answer = wait_until(changed, timeout=10, what="the API to show the edit")
    course_row = next(r for r in answer.json() if r["course"]["pk"] == logica["pk"])
    assert course_row["course"]["cfu"] == 9
    assert course_row["course"]["links"][0]["name"] == "Avvisi (Ariel)"
    assert course_row["semester"] == 1
