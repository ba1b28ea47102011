"""Durations as staff write them: `30m`, `2h`, `7d`, `1w`, combined as `1h30m`."""

from __future__ import annotations

import re
from datetime import timedelta

# Telegram reads an until_date more than 366 days away as "forever": longer durations are refused, not
# silently made permanent.
MAX_DURATION = timedelta(days=366)
MIN_DURATION = timedelta(minutes=1)

_DURATION = re.compile(r"^(?:\d{1,4}[mhdw])+$", re.IGNORECASE)
_DURATION_PART = re.compile(r"(\d{1,4})([mhdw])", re.IGNORECASE)
_UNITS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_duration(token: str) -> timedelta | None:
    """`30m` `2h` `7d` `1w` `1h30m` → timedelta; None when the token is not a duration at all."""
    if not _DURATION.match(token):
        return None
    seconds = sum(int(amount) * _UNITS[unit.lower()] for amount, unit in _DURATION_PART.findall(token))
    return timedelta(seconds=seconds)
