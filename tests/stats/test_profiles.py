"""Tracked public profiles: the t.me parser on telegram-bio's seed pages, and the poller against a local t.me."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from conftest import SHELF

from aula_shared.db import session_scope
from aula_stats.models import TrackedProfile
from aula_stats.profiles import NotAUser, ProfileTracker, history, parse_tme_page

SEEDS = SHELF / "research/seed-data/telegram-bio"
T0 = datetime(2026, 11, 22, 9, tzinfo=UTC)


def seed(name: str) -> str:
    return (SEEDS / f"{name}.html").read_text()


def test_the_parser_reads_the_seed_pages_as_telegram_bio_does():
    with_bio, no_bio, channel = (parse_tme_page(seed(f"tgme_{n}")) for n in ("user_with_bio", "user_no_bio", "channel"))
    assert (with_bio.exists, with_bio.is_user, with_bio.bio) == (True, True, "some bio")
    assert (no_bio.exists, no_bio.is_user, no_bio.bio) == (True, True, "")
    assert (channel.exists, channel.is_user) == (True, False)
    assert parse_tme_page("<html><body>Telegram</body></html>").exists is False


def test_the_parser_reads_a_real_looking_page():
    page = parse_tme_page(
        '<div class="tgme_page_title"><span dir="auto">Ada &amp; Co</span></div>'
        '<div class="tgme_page_extra">@ada</div>'
        '<div class="tgme_page_description">hello<br>world <br/> again</div>'
    )
    assert (page.name, page.bio) == ("Ada & Co", "hello\nworld\nagain")


class FakeTme:
    """t.me on a local port: username -> (status, html)."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[int, str]] = {}
        pages = self.pages

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, body = pages.get(self.path.strip("/").lower(), (404, ""))
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def page(self, username: str, bio: str | None = None, html: str | None = None, status: int = 200) -> None:
        if html is None:
            description = f'<div class="tgme_page_description">{bio}</div>' if bio else ""
            html = f'<div class="tgme_page_title"><span>{username.title()}</span></div>{description}'
        self.pages[username] = (status, html)


@pytest.fixture
def tme() -> Iterator[FakeTme]:
    fake = FakeTme()
    thread = threading.Thread(target=fake.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


@pytest.fixture
def tracker(tme, stats_url) -> ProfileTracker:
    return ProfileTracker(stats_url, tme.url, interval=timedelta(minutes=1), blank_grace=timedelta(minutes=5))


def bios(url: str, username: str) -> list[str]:
    return [bio for _, _, bio in history(url, username)]


def test_only_people_can_be_tracked_and_only_once(tme, tracker, stats_url):
    tme.page("somechannel", html=seed("tgme_channel"))
    with pytest.raises(NotAUser, match="channel or group"):
        tracker.track("somechannel")
    with pytest.raises(NotAUser):
        tracker.track("nobody_here")  # 404
    with pytest.raises(ValueError, match="not a Telegram username"):
        tracker.track("a b")
    tme.page("alice", html=seed("tgme_user_with_bio"))
    assert tracker.track("@Alice", T0)[1] is True
    assert tracker.track("alice", T0)[1] is False
    assert bios(stats_url, "alice") == ["some bio"]


def test_a_bio_is_stored_only_when_it_changes(tme, tracker, stats_url):
    tme.page("alice", "hello<br>world")
    tracker.track("alice", T0)
    assert tracker.poll(T0 + timedelta(seconds=30)).checked == []  # not due yet
    assert tracker.poll(T0 + timedelta(minutes=1)).changed == []
    tme.page("alice", "bye")
    assert tracker.poll(T0 + timedelta(minutes=2)).changed == ["alice"]
    assert bios(stats_url, "alice") == ["hello\nworld", "bye"]


def test_a_blank_result_that_vanishes_within_minutes_is_forgotten(tme, tracker, stats_url):
    tme.page("alice", "hello")
    tracker.track("alice", T0)
    tme.page("alice", status=404, html="")
    assert tracker.poll(T0 + timedelta(minutes=1)).changed == ["alice"]
    tme.page("alice", "hello")
    tracker.poll(T0 + timedelta(minutes=3))
    assert bios(stats_url, "alice") == ["hello"]
    # A blank that lasts is a change, and so is what comes after it.
    tme.page("alice", html=seed("tgme_user_no_bio"))
    tracker.poll(T0 + timedelta(minutes=4))
    tme.page("alice", "back")
    tracker.poll(T0 + timedelta(minutes=30))
    assert bios(stats_url, "alice") == ["hello", "", "back"]


def test_a_failed_read_stores_nothing_and_unmonitored_profiles_are_skipped(tme, tracker, stats_url):
    tme.page("alice", "hello")
    tme.page("bob_b", "hi")
    tracker.track("alice", T0)
    tracker.track("bob_b", T0)
    tme.page("alice", status=500, html="oops")
    with session_scope(stats_url) as session:
        session.query(TrackedProfile).filter_by(username="bob_b").update({"monitored": False})
    report = tracker.poll(T0 + timedelta(minutes=5))
    assert list(report.failed) == ["alice"] and report.checked == []
    assert bios(stats_url, "alice") == ["hello"]
    with session_scope(stats_url) as session:
        assert "500" in session.query(TrackedProfile).filter_by(username="alice").one().last_error
