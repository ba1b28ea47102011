"""Parsing moderation commands: `/ban* @ada 123 2h spamming` → who, how long, why.

Grammar (after the command token `/name[*][@bot]`):

    targets*  duration?  reason?

- a target is an `@username` (a mention entity or a plain "@word"), a text mention (an entity with the user,
  for people without a username; it may span several words), or a numeric user id;
- with no explicit target, a reply names the replied message's author;
- a duration (`30m`, `2h`, `7d`, `1w`, combined as `1h30m`) only for mute, ban and superban; none = permanent;
- the rest of the text is the reason.

Telegram's entity offsets count UTF-16 code units; they are converted to Python indexes once.
Pure functions only: resolving usernames to users is the caller's job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from aula_moderation.command_registry import NAMES, TARGETED, TIMED
from aula_moderation.durations import MAX_DURATION, MIN_DURATION, parse_duration

MAX_TARGETS = 20
MAX_REASON = 500

_COMMAND = re.compile(r"^/(?P<name>[A-Za-z0-9_]{1,32})(?P<star1>\*)?(?:@(?P<bot>[A-Za-z0-9_]{3,32}))?(?P<star2>\*)?")
_USERNAME = re.compile(r"^@([A-Za-z][A-Za-z0-9_]{2,31})$")
_USER_ID = re.compile(r"^\d{1,20}$")


@dataclass(frozen=True)
class Target:
    """Who a command names. kind: reply | username | user_id | mention (text mention, `user` is its User)."""

    kind: str
    value: int | str
    user: Any = None


@dataclass(frozen=True)
class Command:
    name: str
    star: bool = False
    targets: tuple[Target, ...] = ()
    duration: timedelta | None = None
    reason: str | None = None
    bot_username: str | None = None


@dataclass
class UsageError(Exception):
    """The command is ours but malformed; `problem` picks the usage text (no_target, needs_reply, duration)."""

    command: str
    problem: str
    detail: dict[str, Any] = field(default_factory=dict)


def command_name(text: str | None) -> tuple[str, bool, str | None] | None:
    """(name, star, addressed bot) of a text starting with one of our commands (the registry's), else None."""
    match = _COMMAND.match(text or "")
    if not match or match.group("name").lower() not in NAMES:
        return None
    star = bool(match.group("star1") or match.group("star2"))
    return match.group("name").lower(), star, match.group("bot")


def parse(text: str, entities: list[Any] | tuple[Any, ...] = (), *, has_reply: bool = False) -> Command | None:
    """The command in a message's text, None if it is not one of ours that names people; raises UsageError when
    malformed."""
    match = _COMMAND.match(text or "")
    head = command_name(text)
    if head is None or match is None or head[0] not in TARGETED:
        return None
    name, star, bot = head
    spans = _entity_spans(text, entities)
    position = match.end()
    targets: list[Target] = []
    duration: timedelta | None = None

    # Targets: entities first (a text mention may contain spaces), then plain words that look like targets.
    while True:
        position = _skip_spaces(text, position)
        if position >= len(text):
            break
        entity = spans.get(position)
        if entity is not None and entity[0] in ("mention", "text_mention"):
            kind, end, user = entity
            if kind == "text_mention" and user is not None:
                targets.append(Target("mention", _get(user, "id"), user))
            else:
                targets.append(Target("username", text[position + 1 : end].lower()))
            position = end
            continue
        word_end = _word_end(text, position)
        word = text[position:word_end]
        username = _USERNAME.match(word)
        if username:
            targets.append(Target("username", username.group(1).lower()))
        elif _USER_ID.match(word) and int(word) > 0:
            targets.append(Target("user_id", int(word)))
        else:
            break
        position = word_end
        if len(targets) > MAX_TARGETS:
            raise UsageError(name, "too_many_targets", {"limit": MAX_TARGETS})

    if name in TIMED and position < len(text):
        word_end = _word_end(text, position)
        parsed = parse_duration(text[position:word_end])
        if parsed is not None:
            if parsed < MIN_DURATION or parsed > MAX_DURATION:
                raise UsageError(name, "duration")
            duration = parsed
            position = _skip_spaces(text, word_end)

    reason = text[position:].strip()[:MAX_REASON] or None
    if name == "del":
        if not has_reply:
            raise UsageError(name, "needs_reply")
        return Command(name, star, (Target("reply", 0),), None, reason, bot)
    if not targets:
        if not has_reply:
            raise UsageError(name, "no_target")
        targets.append(Target("reply", 0))
    return Command(name, star, tuple(_unique(targets)), duration, reason, bot)


def _unique(targets: list[Target]) -> list[Target]:
    seen: set[tuple[str, int | str]] = set()
    kept = []
    for target in targets:
        key = ("id", target.value) if target.kind in ("user_id", "mention") else (target.kind, target.value)
        if key not in seen:
            seen.add(key)
            kept.append(target)
    return kept


def _get(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)


def _entity_spans(text: str, entities: list[Any] | tuple[Any, ...]) -> dict[int, tuple[str, int, Any]]:
    """Python start index -> (type, Python end index, user) for mention and text_mention entities."""
    if not entities:
        return {}
    index_of = _utf16_index_map(text)
    spans = {}
    for entity in entities:
        kind = _get(entity, "type")
        kind = getattr(kind, "value", kind)  # PTB's MessageEntityType is a StrEnum
        if kind not in ("mention", "text_mention"):
            continue
        offset, length = int(_get(entity, "offset")), int(_get(entity, "length"))
        if offset + length >= len(index_of):
            continue
        spans[index_of[offset]] = (kind, index_of[offset + length], _get(entity, "user"))
    return spans


def _utf16_index_map(text: str) -> list[int]:
    """For each UTF-16 offset (0..len), the Python index it falls on."""
    mapping = []
    for index, char in enumerate(text):
        mapping.append(index)
        if ord(char) > 0xFFFF:
            mapping.append(index)  # a surrogate pair's second half
    mapping.append(len(text))
    return mapping


def _skip_spaces(text: str, position: int) -> int:
    while position < len(text) and text[position].isspace():
        position += 1
    return position


def _word_end(text: str, position: int) -> int:
    while position < len(text) and not text[position].isspace():
        position += 1
    return position
