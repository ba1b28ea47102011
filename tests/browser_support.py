"""Driving the staff admin in a real browser: Debian's headless Chromium through Playwright, catalog-api served
by granian (`aula serve catalog`), a staff login, and a watch on what the pages do behind the test's back.

The machine has no internet, and the admin must not need it: every request a page makes to a host other than
the server under test is refused and recorded, as is every JavaScript error and every server error.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

from support import ROOT, Process, free_port, running, wait_http

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}


@contextlib.contextmanager
def chromium() -> Iterator:
    """Headless Chromium; installed on the spot (scripts/ensure-browser.sh) on a machine that lacks it."""
    try:
        import playwright
    except ImportError:
        playwright = None
    if playwright is None or not shutil.which("chromium"):
        subprocess.run(["bash", str(ROOT / "scripts/ensure-browser.sh")], check=True, cwd=ROOT, timeout=900)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@contextlib.contextmanager
def catalog_server(env: dict[str, str], log_path: Path) -> Iterator[str]:
    """`aula serve catalog` on a free port with `env`; yields its base URL and fails on a logged traceback."""
    port = free_port()
    env = {**env, "CATALOG_PORT": str(port), "AULA_HTTP_WORKERS": "1"}
    with running(Process(["serve", "catalog"], env, log_path)) as server:
        base = f"http://127.0.0.1:{port}"
        wait_http(f"{base}/healthz")
        yield base
    assert "Traceback" not in server.output(), server.output()[-3000:]


def log_in(page, base: str, username: str, password: str, then: str = "/admin/") -> None:
    """Log in through the login form, as staff do, and land on `then`."""
    page.goto(f"{base}/admin/login?next={then}")
    page.fill("#username", username)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click("#login")
    assert urlsplit(page.url).path == then, page.url


class PageWatch:
    """What the pages of one browser context did wrong: JavaScript errors, console errors, server errors, and
    requests to other hosts (refused, so a page that needs the internet fails here as it would offline)."""

    def __init__(self, context, base: str) -> None:
        self.base_host = urlsplit(base).hostname
        self.page_errors: list[str] = []
        self.console_errors: list[str] = []
        self.server_errors: list[str] = []
        self.external: list[str] = []
        self.expected_statuses: dict[str, int] = {}  # path → a status a test means to provoke (e.g. 400)
        context.route("**/*", self._route)
        context.on("page", self._watch_page)
        for page in context.pages:
            self._watch_page(page)

    def expect_status(self, path: str, status: int) -> None:
        """The test provokes `status` on `path`: Chromium's "Failed to load resource" line for it is no error."""
        self.expected_statuses[path] = status

    def _route(self, route) -> None:
        host = urlsplit(route.request.url).hostname
        if route.request.url.startswith(("data:", "blob:", "about:")) or host in {self.base_host, *LOCAL_HOSTS}:
            route.continue_()
        else:
            self.external.append(route.request.url)
            route.abort()

    def _watch_page(self, page) -> None:
        page.on("pageerror", lambda error: self.page_errors.append(f"{page.url}: {error}"))
        page.on("console", self._console)
        page.on("response", self._response)

    def _console(self, message) -> None:
        if message.type != "error":
            return
        source = message.location.get("url", "")
        expected = self.expected_statuses.get(urlsplit(source).path)
        if expected and f"status of {expected}" in message.text:
            return
        self.console_errors.append(f"{source}: {message.text}")

    def _response(self, response) -> None:
        if response.status >= 500:
            self.server_errors.append(f"{response.status} {response.url}")

    def assert_clean(self) -> None:
        problems = {
            "JavaScript errors": self.page_errors,
            "console errors": self.console_errors,
            "server errors": self.server_errors,
            "requests to other hosts": self.external,
        }
        assert not any(problems.values()), {name: found for name, found in problems.items() if found}
