"""Every setting of a managed chat, typed and validated here, read through three layers:

    built-in default  →  network-wide (staff set it once for every group)  →  this group

A group has a value of its own only where staff gave it one; everything else follows the network, so turning
CAPTCHA on everywhere is one change (`aula settings set --network captcha=button`), and a group put under
management later starts with the network's values. Resetting a group's key drops its own value: the network's
applies again.

Where each layer is stored: built-in defaults in SETTINGS below; network values in moderation_network_settings
(one row a key); a group's values in moderation_chats.settings (moderation's keys) and
moderation_onboarding_settings.config (onboarding's), as before the network layer existed — each key knows its
`store`. Durations are seconds.

Reading on the message path goes through `cached` (at most every CACHE_SECONDS per chat and process, so a staff
change applies within that); `prime` fills it for a batch's chats in one read.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from aula_moderation.chats.models import ManagedChat, NetworkSetting, OnboardingSettings
from aula_shared.db import session_scope
from aula_shared.i18n import N_

DAY = 86400
CHAT, ONBOARDING = "chat", "onboarding"  # where a group's own value is stored (see the module's docstring)
DEFAULT, NETWORK, GROUP = "default", "network", "group"  # the layers, lowest first


class SettingError(ValueError):
    """An unknown key or a value the key does not take; the message is one line, for the CLI and forms."""


@dataclass(frozen=True)
class Setting:
    key: str
    default: Any
    label: str
    help: str = ""
    low: int = 0
    high: int = 10**9
    choices: tuple[str, ...] = ()
    optional: bool = False  # None is a value: "not set, use what `help` says"
    store: str = CHAT
    section: str = N_("Moderation")

    @property
    def kind(self) -> str:
        if self.choices:
            return "choice"
        if isinstance(self.default, bool):
            return "flag"
        return "number"

    def validate(self, value: Any) -> Any:
        """The value as stored, or SettingError."""
        if value is None and self.optional:
            return None
        if self.kind == "flag":
            if not isinstance(value, bool):
                raise SettingError(f"{self.key} must be true or false")
            return value
        if self.kind == "choice":
            if value not in self.choices:
                raise SettingError(f"{self.key} must be one of {', '.join(self.choices)}")
            return value
        if isinstance(value, bool) or not isinstance(value, int | float) or int(value) != value:
            raise SettingError(f"{self.key} must be a number")
        if value < self.low:
            raise SettingError(f"{self.key} must be a number ≥ {self.low}")
        if value > self.high:
            raise SettingError(f"{self.key} must be a number ≤ {self.high}")
        return int(value)

    def parse(self, text: str) -> Any:
        """A value written on the command line ("true", "600", "button", "none") → validated value."""
        text = text.strip()
        if self.optional and text.lower() in ("", "none", "null"):
            return None
        if self.kind == "flag":
            flags = {"true": True, "yes": True, "on": True, "1": True, "false": False, "no": False, "off": False}
            if text.lower() not in flags:
                raise SettingError(f"{self.key} must be true or false, not {text!r}")
            return flags[text.lower()]
        if self.kind == "number":
            try:
                return self.validate(int(text))
            except ValueError as error:
                if isinstance(error, SettingError):
                    raise
                raise SettingError(f"{self.key} must be a number, not {text!r}") from None
        return self.validate(text)


SETTINGS: tuple[Setting, ...] = (
    # Moderation: notices, warnings, join messages, @admin calls.
    Setting("notice_delay", 90, N_("Notice delay (s)"),
            N_("Seconds before the bot's notices in the group are deleted."), high=DAY),
    Setting("warn_limit", 3, N_("Warnings before action"),
            N_("Active warnings that trigger the action below (then the count starts again)."), low=1, high=100),
    Setting("warn_action", "mute", N_("Action at the limit"), choices=("mute", "ban", "kick")),
    Setting("warn_action_seconds", DAY, N_("Action length (s)"), N_("How long the mute or ban lasts; 0: for ever."),
            high=366 * DAY),
    Setting("warn_expiry_days", 30, N_("Warnings expire after (days)"), N_("0: warnings never expire."), high=3650),
    Setting("join_message_delay", None, N_("Join/leave messages deleted after (s)"),
            N_("Telegram's 'X joined' messages in large groups; empty: the notice delay."), high=DAY, optional=True),
    Setting("clean_joins_min_members", 50, N_("Delete join messages from (members)"),
            N_("Join/leave messages are deleted only in groups at least this large."), high=1_000_000),
    Setting("ignore_admin_tagging", False, N_("Ignore @admin calls"),
            N_("@admin in this chat does not reach the staff chat (/ignore_admin).")),
    # Onboarding: everything is off by default, so that putting a group under management changes nothing until
    # staff opt in.
    Setting("captcha", "off", N_("CAPTCHA"), choices=("off", "button", "math"), store=ONBOARDING,
            section=N_("CAPTCHA")),
    Setting("captcha_timeout", 180, N_("CAPTCHA timeout (s)"), high=DAY, store=ONBOARDING, section=N_("CAPTCHA")),
    Setting("captcha_action", "kick", N_("When the CAPTCHA fails"), N_("mute: stays muted until staff act."),
            choices=("kick", "ban", "mute"), store=ONBOARDING, section=N_("CAPTCHA")),
    Setting("captcha_attempts", 2, N_("Wrong answers allowed"), N_("Before the action is taken."), high=100,
            store=ONBOARDING, section=N_("CAPTCHA")),
    Setting("welcome", False, N_("Welcome newcomers"), store=ONBOARDING, section=N_("Welcome")),
    Setting("welcome_delete_after", 300, N_("Welcome deleted after (s)"), N_("0 keeps it."), high=DAY, store=ONBOARDING,
            section=N_("Welcome")),
    Setting("welcome_period", DAY, N_("One welcome per user every (s)"), high=366 * DAY, store=ONBOARDING,
            section=N_("Welcome")),
    Setting("rules_gate", False, N_("Rules gate and trust ladder"),
            N_("Unknown users must accept the rules, then are on probation."), store=ONBOARDING, section=N_("Trust")),
    Setting("verify_min_seconds", 30, N_("Peer confirmation after (s)"),
            N_("A peer may confirm a probationer no sooner than this after acceptance."), high=DAY, store=ONBOARDING,
            section=N_("Trust")),
    Setting("verify_after_messages", 20, N_("Verified after clean messages"), N_("0: never."), high=100_000,
            store=ONBOARDING, section=N_("Trust")),
    Setting("verify_after_days", 7, N_("Verified after (days)"), high=3650, store=ONBOARDING, section=N_("Trust")),
    Setting("filter_mode", "off", N_("Forbidden words"), choices=("off", "alert", "delete"), store=ONBOARDING,
            section=N_("Filters")),
    Setting("flood_messages", 0, N_("Antiflood: messages"), N_("N messages within the window mute the sender; 0: off."),
            high=1000, store=ONBOARDING, section=N_("Filters")),
    Setting("flood_seconds", 10, N_("Antiflood: window (s)"), high=DAY, store=ONBOARDING, section=N_("Filters")),
    Setting("flood_mute", 600, N_("Antiflood: mute (s)"), high=366 * DAY, store=ONBOARDING, section=N_("Filters")),
    Setting("join_requests", False, N_("Talk to applicants before approving"), store=ONBOARDING,
            section=N_("Join requests")),
    Setting("join_request_timeout", 300, N_("Join request timeout (s)"),
            N_("Telegram lets the bot write to an applicant for 5 minutes."), high=DAY, store=ONBOARDING,
            section=N_("Join requests")),
)  # fmt: skip
BY_KEY: Mapping[str, Setting] = {setting.key: setting for setting in SETTINGS}
DEFAULTS: Mapping[str, Any] = {setting.key: setting.default for setting in SETTINGS}


def setting(key: str) -> Setting:
    try:
        return BY_KEY[key]
    except KeyError:
        raise SettingError(f"unknown setting {key!r}; see `aula settings show`") from None


def validate(changes: Mapping[str, Any]) -> dict[str, Any]:
    """Known keys with values they take; SettingError names the first that is not."""
    return {key: setting(key).validate(value) for key, value in changes.items()}


# -- reading the layers --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Value:
    setting: Setting
    value: Any
    layer: str  # DEFAULT | NETWORK | GROUP


def network_values(session: Session) -> dict[str, Any]:
    """The network's own values (known keys only)."""
    return {row.key: row.value for row in session.scalars(select(NetworkSetting)) if row.key in BY_KEY}


def group_values(session: Session, chat_id: int) -> dict[str, Any]:
    """The group's own values (known keys only), from both stores."""
    chat = session.get(ManagedChat, chat_id)
    onboarding = session.get(OnboardingSettings, chat_id)
    return _own(chat.settings if chat else None, onboarding.config if onboarding else None)


def _own(chat_store: Mapping | None, onboarding_store: Mapping | None) -> dict[str, Any]:
    stores = {CHAT: chat_store or {}, ONBOARDING: onboarding_store or {}}
    return {s.key: stores[s.store][s.key] for s in SETTINGS if s.key in stores[s.store]}


def layered(network: Mapping[str, Any], group: Mapping[str, Any] | None = None) -> dict[str, Value]:
    """Each key's value and the layer it comes from."""
    group = group or {}
    values = {}
    for s in SETTINGS:
        if s.key in group:
            values[s.key] = Value(s, group[s.key], GROUP)
        elif s.key in network:
            values[s.key] = Value(s, network[s.key], NETWORK)
        else:
            values[s.key] = Value(s, s.default, DEFAULT)
    return values


def explain(session: Session, chat_id: int | None = None) -> dict[str, Value]:
    """Every key with its value and layer: the network's (chat_id None), or a group's."""
    group = group_values(session, chat_id) if chat_id is not None else None
    return layered(network_values(session), group)


def load(session: Session, chat_id: int) -> dict[str, Any]:
    """The group's values, every key, as the worker acts on them."""
    return {key: value.value for key, value in explain(session, chat_id).items()}


# -- the message path's cache --------------------------------------------------------------------------------

CACHE_SECONDS = 2.0
_cache: dict[tuple[str, int], tuple[float, dict[str, Any]]] = {}
_network_cache: dict[str, tuple[float, dict[str, Any]]] = {}


def cached(database_url: str, chat_id: int) -> dict[str, Any]:
    """load() for the message hot path: read at most every CACHE_SECONDS per chat and process, instead of one
    query per message."""
    hit = _fresh(database_url, chat_id)
    if hit is not None:
        return hit
    with session_scope(database_url) as session:
        prime(session, database_url, [chat_id])
    return _cache[(database_url, chat_id)][1]


def prime(session: Session, database_url: str, chat_ids: Iterable[int]) -> None:
    """Fill cached() for every chat not fresh in it: one read of the network's values (itself cached) and one of
    the groups' own, for a whole batch's chats."""
    wanted = {chat_id for chat_id in chat_ids if _fresh(database_url, chat_id) is None}
    if not wanted:
        return
    network = _network(session, database_url)
    stores = {
        chat_id: (chat_store, onboarding_store)
        for chat_id, chat_store, onboarding_store in session.execute(
            select(ManagedChat.id, ManagedChat.settings, OnboardingSettings.config)
            .outerjoin(OnboardingSettings, OnboardingSettings.chat_id == ManagedChat.id)
            .where(ManagedChat.id.in_(wanted))
        )
    }
    if len(_cache) > 10_000:
        _cache.clear()
    now = time.monotonic()
    for chat_id in wanted:
        own = _own(*stores.get(chat_id, (None, None)))
        values = {key: value.value for key, value in layered(network, own).items()}
        _cache[(database_url, chat_id)] = (now, values)


def _network(session: Session, database_url: str) -> dict[str, Any]:
    hit = _network_cache.get(database_url)
    if hit is not None and time.monotonic() - hit[0] < CACHE_SECONDS:
        return hit[1]
    values = network_values(session)
    _network_cache[database_url] = (time.monotonic(), values)
    return values


def _fresh(database_url: str, chat_id: int) -> dict[str, Any] | None:
    hit = _cache.get((database_url, chat_id))
    return hit[1] if hit is not None and time.monotonic() - hit[0] < CACHE_SECONDS else None


# -- changing the layers -------------------------------------------------------------------------------------


def set_network(session: Session, changed_by: str | None = None, **changes: Any) -> None:
    """Set network values (validated first: nothing is stored if one is refused)."""
    for key, value in validate(changes).items():
        row = session.get(NetworkSetting, key)
        if row is None:
            row = NetworkSetting(key=key)
            session.add(row)
        row.value, row.updated_at, row.updated_by = value, datetime.now(UTC), changed_by
    session.flush()


def reset_network(session: Session, keys: Iterable[str] | None = None) -> list[str]:
    """Back to the built-in default for `keys` (every key if None); the keys that had a network value."""
    rows = session.scalars(select(NetworkSetting)).all()
    wanted = None if keys is None else {setting(key).key for key in keys}
    dropped = []
    for row in rows:
        if wanted is None or row.key in wanted:
            session.delete(row)
            dropped.append(row.key)
    session.flush()
    return sorted(dropped)


def set_group(session: Session, chat_id: int, **changes: Any) -> dict[str, Any]:
    """Give the group values of its own (validated first: nothing is stored if one is refused); its values."""
    changes = validate(changes)
    _write_group(session, chat_id, changes, ())
    return load(session, chat_id)


def reset_group(session: Session, chat_id: int, keys: Iterable[str] | None = None) -> list[str]:
    """Drop the group's own values for `keys` (every key if None): the network's apply again. The keys dropped."""
    own = group_values(session, chat_id)
    wanted = set(own) if keys is None else {setting(key).key for key in keys}
    dropped = sorted(key for key in wanted if key in own)
    _write_group(session, chat_id, {}, dropped)
    return dropped


def _write_group(session: Session, chat_id: int, changes: Mapping[str, Any], dropped: Iterable[str]) -> None:
    by_store: dict[str, tuple[dict, list]] = {CHAT: ({}, []), ONBOARDING: ({}, [])}
    for key, value in changes.items():
        by_store[BY_KEY[key].store][0][key] = value
    for key in dropped:
        by_store[BY_KEY[key].store][1].append(key)
    # /ignore_admin and the staff admin change the same JSON: under the row's lock, from what is stored now.
    chat = session.get(ManagedChat, chat_id, with_for_update=True)
    if chat is None:
        raise SettingError(f"chat {chat_id} is not known; put it under management with `aula groups add`")
    chat_changes, chat_dropped = by_store[CHAT]
    if chat_changes or chat_dropped:
        chat.settings = _merged(chat.settings, chat_changes, chat_dropped)
        flag_modified(chat, "settings")
    onboarding_changes, onboarding_dropped = by_store[ONBOARDING]
    if onboarding_changes or onboarding_dropped:
        row = session.get(OnboardingSettings, chat_id, with_for_update=True)
        if row is None:
            row = OnboardingSettings(chat_id=chat_id, config={})
            session.add(row)
        row.config = _merged(row.config, onboarding_changes, onboarding_dropped)
        flag_modified(row, "config")
    session.flush()
    _cache.pop((session.get_bind().url.render_as_string(hide_password=False), chat_id), None)


def _merged(stored: Mapping | None, changes: Mapping[str, Any], dropped: Iterable[str]) -> dict:
    merged = {**(stored or {}), **changes}
    for key in dropped:
        merged.pop(key, None)
    return merged
