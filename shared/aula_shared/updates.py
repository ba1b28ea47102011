"""Decoding an update once with python-telegram-bot, even when it predates fields PTB now requires.

PTB (22.x) requires fields that older or partial payloads lack — `is_bot` before 2017, the story rights and
`can_edit_tag` of ChatMember objects, a poll option's `persistent_id` — and raises TypeError for the whole
update. Telegram still sends (and our fixtures hold) such payloads. On that error we fill the missing field
with its type's empty value in the objects that lack it, and try again; the happy path costs nothing extra.
"""

from __future__ import annotations

import copy
import functools
import inspect
import re
from typing import Any

import telegram
from telegram import Update

_MISSING_ARGS = re.compile(r"(\w+)\.__init__\(\) missing \d+ required (?:positional |keyword-only )?arguments?: (.+)")
_REQUIRED_SINCE = re.compile(r"`(\w+)` is (?:a )?required")
_NAME = re.compile(r"'(\w+)'")
MAX_REPAIRS = 20


class UndecodableUpdate(ValueError):
    """Not an update python-telegram-bot can read, even with missing fields filled in."""


def decode_update(payload: dict[str, Any]) -> Update:
    try:
        return Update.de_json(payload, None)
    except TypeError as first_error:
        error: TypeError = first_error
    except (KeyError, ValueError, AttributeError) as malformed:
        raise UndecodableUpdate(f"malformed update: {malformed!r}") from malformed
    repaired = copy.deepcopy(payload)
    for _ in range(MAX_REPAIRS):
        if not _repair(repaired, str(error)):
            break
        try:
            return Update.de_json(repaired, None)
        except TypeError as next_error:
            error = next_error
        except (KeyError, ValueError, AttributeError) as malformed:
            raise UndecodableUpdate(f"malformed update: {malformed!r}") from malformed
    raise UndecodableUpdate(str(error)) from error


def _repair(payload: dict, message: str) -> bool:
    """Fill the fields the error names into the objects that lack them; False if nothing could be filled."""
    match = _MISSING_ARGS.search(message)
    if match:
        candidates = [_parameters(match.group(1))]
        missing = _NAME.findall(match.group(2))
    else:
        match = _REQUIRED_SINCE.search(message)
        if not match:
            return False
        missing = [match.group(1)]
        candidates = [params for params in _all_parameters() if missing[0] in params]
    filled = False
    for params in candidates:
        if params is None:
            continue
        required = {n for n, p in params.items() if p.default is inspect.Parameter.empty and n not in missing}
        for obj in _objects(payload):
            if required <= obj.keys() and any(name not in obj for name in missing):
                for name in missing:
                    obj.setdefault(name, _empty_value(params[name].annotation))
                filled = True
    return filled


def _objects(value: Any):
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from _objects(item)
    elif isinstance(value, list):
        for item in value:
            yield from _objects(item)


@functools.cache
def _parameters(class_name: str) -> dict[str, inspect.Parameter] | None:
    cls = getattr(telegram, class_name, None)
    if not inspect.isclass(cls):
        return None
    params = dict(inspect.signature(cls.__init__).parameters)
    params.pop("self", None)
    params.pop("api_kwargs", None)
    return params


@functools.cache
def _all_parameters() -> list[dict[str, inspect.Parameter]]:
    found = []
    for name in dir(telegram):
        if inspect.isclass(getattr(telegram, name)) and issubclass(getattr(telegram, name), telegram.TelegramObject):
            params = _parameters(name)
            if params:
                found.append(params)
    return found


def _empty_value(annotation: Any) -> Any:
    text = str(annotation)
    if "bool" in text:
        return False
    if "str" in text:
        return ""
    if "int" in text or "float" in text:
        return 0
    if "Sequence" in text or "list" in text or "tuple" in text:
        return []
    return None
