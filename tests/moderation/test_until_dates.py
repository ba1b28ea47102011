"""Every until_date sent to Telegram comes from one function: Telegram reads one less than 30 s away (or more
than 366 days away) as *forever*, so a restriction with seconds left must not be sent as it is, and one whose
end has passed must not be sent at all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from aula_moderation.until_dates import SHORTEST, Expired, until_date

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)


def test_forever_is_zero_and_a_normal_end_is_sent_as_it_is():
    assert until_date(None, NOW) == 0
    two_hours = NOW + timedelta(hours=2)
    assert until_date(two_hours, NOW) == int(two_hours.timestamp())


def test_an_end_ten_seconds_away_is_stretched_past_telegrams_forever_threshold():
    sent = until_date(NOW + timedelta(seconds=10), NOW)
    assert sent == int((NOW + SHORTEST).timestamp())
    assert sent - NOW.timestamp() >= 30  # never read as forever


def test_an_end_already_past_is_not_sent():
    with pytest.raises(Expired):
        until_date(NOW - timedelta(seconds=1), NOW)


def test_a_naive_time_from_sqlite_is_read_as_utc():
    naive = (NOW + timedelta(hours=1)).replace(tzinfo=None)
    assert until_date(naive, NOW) == int((NOW + timedelta(hours=1)).timestamp())


def test_more_than_366_days_is_refused_not_made_forever():
    with pytest.raises(ValueError, match="366 days"):
        until_date(NOW + timedelta(days=367), NOW)
