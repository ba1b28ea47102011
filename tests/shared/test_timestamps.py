"""Event times: ISO-8601 with or without "Z", always aware UTC; anything else is the caller's own error."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from aula_shared.timestamps import as_utc, event_time


class BadEvent(ValueError):
    pass


def test_a_naive_time_is_taken_as_utc_and_an_aware_one_converted():
    assert as_utc(datetime(2026, 1, 1, 12)) == datetime(2026, 1, 1, 12, tzinfo=UTC)
    rome = timezone(timedelta(hours=1))
    converted = as_utc(datetime(2026, 1, 1, 12, tzinfo=rome))
    assert converted.tzinfo is UTC and converted.hour == 11


@pytest.mark.parametrize("text", ["2026-01-10T10:00:00Z", "2026-01-10T11:00:00+01:00", "2026-01-10T10:00:00"])
def test_iso_times_are_read_in_utc(text):
    assert event_time(text, "at", BadEvent) == datetime(2026, 1, 10, 10, tzinfo=UTC)


@pytest.mark.parametrize(("value", "message"), [(None, "at must be an ISO-8601 string"), ("yesterday", "not ISO")])
def test_anything_else_raises_the_callers_error_naming_the_field(value, message):
    with pytest.raises(BadEvent, match=message):
        event_time(value, "at", BadEvent)
