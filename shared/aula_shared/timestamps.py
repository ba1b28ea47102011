"""Times as Aula stores and exchanges them: aware, in UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def as_utc(moment: datetime) -> datetime:
    """An aware UTC time; a naive one is taken as UTC (SQLite gives stored times back without their zone)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def event_time(value: Any, field: str, error: type[Exception]) -> datetime:
    """An event's ISO-8601 time (a trailing "Z" accepted) in UTC; `error` naming `field` if it is not one."""
    if not isinstance(value, str):
        raise error(f"{field} must be an ISO-8601 string, got {value!r}")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise error(f"{field} is not ISO-8601: {value!r}") from None
    return as_utc(moment)
