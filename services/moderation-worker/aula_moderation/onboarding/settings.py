"""A chat's onboarding settings: defaults below, overrides in moderation_onboarding_settings.config.

Everything is off by default so that putting a group under management changes nothing until staff opt in.
Durations are seconds (short ones in tests, minutes in production).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from aula_moderation.onboarding.models import OnboardingSettings
from aula_shared.db import session_scope

DEFAULTS: dict[str, Any] = {
    "captcha": "off",  # off | button | math
    "captcha_timeout": 180,
    "captcha_action": "kick",  # kick | ban | mute (stay muted until staff act)
    "captcha_attempts": 2,  # wrong answers allowed before the action is taken
    "welcome": False,
    "welcome_delete_after": 300,  # 0 keeps it
    "welcome_period": 86400,  # one welcome per user per chat in this window
    "rules_gate": False,  # MozIta's ladder: unknown users must accept the rules, then probation
    "verify_min_seconds": 30,  # a peer may confirm a probationer no sooner than this after acceptance
    "verify_after_messages": 20,  # clean messages that verify a probationer automatically (0: never)
    "verify_after_days": 7,
    "filter_mode": "off",  # off | alert | delete
    "flood_messages": 0,  # N messages in flood_seconds → muted for flood_mute (0: off)
    "flood_seconds": 10,
    "flood_mute": 600,
    "join_requests": False,  # talk to applicants in private before approving
    "join_request_timeout": 300,  # Telegram lets the bot write to an applicant for 5 minutes (join_requests)
}
CHOICES = {
    "captcha": ("off", "button", "math"),
    "captcha_action": ("kick", "ban", "mute"),
    "filter_mode": ("off", "alert", "delete"),
}


def validate(config: dict[str, Any]) -> dict[str, Any]:
    """Only known keys with values of the default's type (and a listed choice): what staff may save."""
    clean: dict[str, Any] = {}
    for key, value in config.items():
        if key not in DEFAULTS:
            raise ValueError(f"unknown onboarding setting {key!r}")
        default = DEFAULTS[key]
        if isinstance(default, bool):
            if not isinstance(value, bool):
                raise ValueError(f"{key} must be true or false")
        elif isinstance(default, int):
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ValueError(f"{key} must be a number ≥ 0")
        elif key in CHOICES and value not in CHOICES[key]:
            raise ValueError(f"{key} must be one of {', '.join(CHOICES[key])}")
        clean[key] = value
    return clean


def load(session: Session, chat_id: int) -> dict[str, Any]:
    row = session.get(OnboardingSettings, chat_id)
    return {**DEFAULTS, **(row.config if row else {})}


CACHE_SECONDS = 2.0
_cache: dict[tuple[str, int], tuple[float, dict[str, Any]]] = {}


def cached(database_url: str, chat_id: int) -> dict[str, Any]:
    """load() for the message hot path: read at most every CACHE_SECONDS per chat and process (a staff change
    applies within that), instead of one query per message."""
    hit = _fresh(database_url, chat_id)
    if hit is not None:
        return hit
    with session_scope(database_url) as session:
        config = load(session, chat_id)
    _remember(database_url, chat_id, config)
    return config


def prime(session: Session, database_url: str, chat_ids: Iterable[int]) -> None:
    """Fill the cache of cached() for every chat not fresh in it, in one query (a batch's chats)."""
    wanted = {chat_id for chat_id in chat_ids if _fresh(database_url, chat_id) is None}
    if not wanted:
        return
    rows = session.scalars(select(OnboardingSettings).where(OnboardingSettings.chat_id.in_(wanted)))
    overrides = {row.chat_id: row.config or {} for row in rows}
    for chat_id in wanted:
        _remember(database_url, chat_id, {**DEFAULTS, **overrides.get(chat_id, {})})


def _fresh(database_url: str, chat_id: int) -> dict[str, Any] | None:
    hit = _cache.get((database_url, chat_id))
    return hit[1] if hit is not None and time.monotonic() - hit[0] < CACHE_SECONDS else None


def _remember(database_url: str, chat_id: int, config: dict[str, Any]) -> None:
    if len(_cache) > 10_000:
        _cache.clear()
    _cache[(database_url, chat_id)] = (time.monotonic(), config)


def save(session: Session, chat_id: int, **changes: Any) -> dict[str, Any]:
    changes = validate(changes)
    row = session.get(OnboardingSettings, chat_id)
    if row is None:
        row = OnboardingSettings(chat_id=chat_id, config={})
        session.add(row)
    row.config = {**(row.config or {}), **changes}
    session.flush()
    return {**DEFAULTS, **row.config}
