"""The one place an `until_date` for Telegram is computed.

Telegram reads an until_date less than 30 seconds away, or more than 366 days away, as *forever*. A restriction
meant to end soon must therefore never be sent as it is: a network ban enforced with ten seconds left, or a job
that runs late, would ban for ever. Every `until_date` sent (bans, mutes, enforcement on sight, network jobs,
the reconciler) comes from `until_date()`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aula_shared.timestamps import as_utc

FOREVER = 0
# Telegram's "forever" below this distance; a little more, for the clocks between us and Telegram.
SHORTEST = timedelta(seconds=35)
LONGEST = timedelta(days=366)


class Expired(ValueError):
    """The restriction's end has passed: there is nothing to send."""


def until_date(until: datetime | None, now: datetime | None = None) -> int:
    """Unix time to send as `until_date`: 0 (forever) for None; never closer than SHORTEST, so that a restriction
    with seconds left lasts a few seconds longer rather than for ever; Expired when `until` has passed."""
    if until is None:
        return FOREVER
    now = now or datetime.now(UTC)
    left = as_utc(until) - now
    if left <= timedelta(0):
        raise Expired(f"ended {-left.total_seconds():.0f} s ago")
    if left > LONGEST:
        raise ValueError("Telegram cannot restrict for more than 366 days but for ever")
    return int((now + max(left, SHORTEST)).timestamp())
