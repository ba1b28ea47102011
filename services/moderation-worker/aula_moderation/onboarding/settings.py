"""Onboarding's settings: its keys of the group settings, which are typed, layered (built-in → network → group)
and stored by chats/settings.py. Everything onboarding has is off by default, so that putting a group under
management changes nothing until staff opt in (for one group or, with the network layer, for all)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from aula_moderation.chats import settings as group_settings

KEYS = tuple(s.key for s in group_settings.SETTINGS if s.store == group_settings.ONBOARDING)
DEFAULTS: Mapping[str, Any] = {key: group_settings.DEFAULTS[key] for key in KEYS}
CHOICES: Mapping[str, tuple[str, ...]] = {
    key: group_settings.BY_KEY[key].choices for key in KEYS if group_settings.BY_KEY[key].choices
}

# A group's values, every key (onboarding reads its own); cached() and prime() serve the message path.
load = group_settings.load
cached = group_settings.cached
prime = group_settings.prime


def validate(config: Mapping[str, Any]) -> dict[str, Any]:
    """Only onboarding's keys, with values they take (a ValueError names the first that is not)."""
    unknown = sorted(key for key in config if key not in DEFAULTS)
    if unknown:
        raise group_settings.SettingError(f"unknown onboarding setting {unknown[0]!r}")
    return group_settings.validate(config)


def save(session: Session, chat_id: int, **changes: Any) -> dict[str, Any]:
    """Give the group values of its own for these onboarding keys; its values, every key."""
    return group_settings.set_group(session, chat_id, **validate(changes))
