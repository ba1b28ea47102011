"""A member's effective permissions from all their restrictions: the AND of each running one's, until the latest
end (for ever if any is), every permission when none runs; rows past their end do not count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aula_moderation.permissions import ALL_PERMISSIONS, NO_PERMISSIONS
from aula_moderation.restrictions.service import KINDS, PENALTIES, TIMERS, effective, timer_key

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def test_no_restriction_allows_everything():
    wanted = effective([], NOW)
    assert not wanted.restricted and wanted.permissions == ALL_PERMISSIONS and wanted.until is None


def test_one_restriction_is_sent_as_it_is():
    wanted = effective([("mute", NOW + HOUR)], NOW)
    assert wanted.restricted and wanted.permissions == NO_PERMISSIONS and wanted.until == NOW + HOUR


def test_the_latest_end_counts_so_that_telegram_never_lifts_one_early():
    wanted = effective([("flood", NOW + timedelta(minutes=10)), ("mute", NOW + 2 * HOUR)], NOW)
    assert wanted.until == NOW + 2 * HOUR
    wanted = effective([("mute", NOW + 2 * HOUR), ("flood", NOW + timedelta(minutes=10))], NOW)
    assert wanted.until == NOW + 2 * HOUR


def test_any_restriction_for_ever_makes_the_whole_for_ever():
    wanted = effective([("mute", NOW + 2 * HOUR), ("captcha", None), ("flood", NOW + HOUR)], NOW)
    assert wanted.restricted and wanted.until is None


def test_restrictions_past_their_end_are_ignored():
    assert effective([("mute", NOW - timedelta(seconds=1))], NOW) == effective([], NOW)
    assert not effective([("mute", NOW)], NOW).restricted  # ends now: over
    wanted = effective([("mute", NOW - HOUR), ("flood", NOW + timedelta(minutes=5))], NOW)
    assert wanted.restricted and wanted.until == NOW + timedelta(minutes=5)


def test_naive_times_from_sqlite_are_taken_as_utc():
    naive = (NOW + HOUR).replace(tzinfo=None)
    assert effective([("mute", naive)], NOW).until == NOW + HOUR
    assert not effective([("mute", (NOW - HOUR).replace(tzinfo=None))], NOW).restricted


def test_permissions_are_the_and_of_every_kinds():
    texts_only = {**NO_PERMISSIONS, "can_send_messages": True, "can_react_to_messages": True}
    no_media = {**ALL_PERMISSIONS, "can_send_photos": False, "can_send_videos": False}
    kinds = {"texts_only": texts_only, "no_media": no_media}
    wanted = effective([("texts_only", None), ("no_media", None)], NOW, kinds)
    assert wanted.permissions == {**NO_PERMISSIONS, "can_send_messages": True, "can_react_to_messages": True}
    assert effective([("no_media", None)], NOW, kinds).permissions == no_media
    # A kind nobody declared (an older or newer worker's) allows nothing, rather than everything.
    assert effective([("no_media", None), ("unknown", None)], NOW, kinds).permissions == NO_PERMISSIONS


def test_every_kind_is_declared_and_timed_kinds_have_their_own_timer():
    assert set(KINDS) == {"mute", "captcha", "flood"}
    assert set(PENALTIES) == {"mute", "flood"}  # what /free releases: not a pending CAPTCHA
    assert timer_key("mute", -100, 7) == "unmute:-100:7"
    assert timer_key("flood", -100, 7) == "unflood:-100:7"  # never the staff mute's timer
    assert timer_key("captcha", -100, 7) is None  # the CAPTCHA's due task ends it
    assert len(set(TIMERS.values())) == len(TIMERS)
