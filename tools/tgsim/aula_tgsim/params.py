"""Reading Bot API parameters the way Telegram accepts them.

Telegram takes parameters from the query string, a JSON body, a form (url-encoded) or multipart. In a form every
value is a string; clients such as python-telegram-bot JSON-encode the non-string ones (`permissions={"can_send_
messages": false}`, `until_date=1700000000`, `revoke_messages=true`). So form values are JSON-decoded unless the
parameter is a string in the Bot API (text, titles, ids of callback queries...), where "123" must stay "123".
"""

from __future__ import annotations

from typing import Any

import orjson
from werkzeug.datastructures import MultiDict

from aula_tgsim.errors import ApiError, bad_request

# Parameters whose Bot API type is String: never JSON-decode them.
STRING_PARAMETERS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "title",
        "description",
        "custom_title",
        "name",
        "url",
        "secret_token",
        "ip_address",
        "callback_query_id",
        "inline_message_id",
        "language_code",
        "file_id",
        "query_id",
        "short_description",
        "emoji",
        "sticker",
        "photo",
        "document",
        "video",
        "audio",
        "voice",
        "animation",
        "business_connection_id",
        "message_effect_id",
        "invite_link",
        "address",
        "phone_number",
        "first_name",
        "last_name",
        "question",
    }
)


def decode_value(name: str, value: Any) -> Any:
    """A form/query value as the method sees it (strings of JSON become numbers, booleans, objects)."""
    if not isinstance(value, str) or name in STRING_PARAMETERS:
        return value
    stripped = value.strip()
    if not stripped:
        return value
    try:
        return orjson.loads(stripped)
    except orjson.JSONDecodeError:
        return value  # e.g. chat_id="@channelusername"


def from_request(args: MultiDict, form: MultiDict, json_body: Any) -> dict[str, Any]:
    """Merge the query string, the form (or multipart fields) and a JSON object body; later ones win."""
    params: dict[str, Any] = {}
    for source in (args, form):
        for name, value in source.items():
            params[name] = decode_value(name, value)
    if isinstance(json_body, dict):
        params.update(json_body)
    return params


class Params:
    """Typed access to one call's parameters; every failure is a 400 worded like Telegram's."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    def __contains__(self, name: str) -> bool:
        return self.values.get(name) is not None

    def raw(self, name: str, default: Any = None) -> Any:
        value = self.values.get(name)
        return default if value is None else value

    def int(self, name: str, default: int | None = None, *, required: bool = False) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise bad_request(f"{name} is empty")
            return default
        if isinstance(value, bool):
            raise bad_request(f"invalid {name} specified")
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        try:
            return int(str(value).strip())
        except ValueError:
            raise bad_request(f"invalid {name} specified") from None

    def required_int(self, name: str) -> int:
        value = self.int(name, required=True)
        assert value is not None
        return value

    def str(self, name: str, default: str | None = None, *, required: bool = False) -> str | None:
        value = self.values.get(name)
        if value is None:
            if required:
                raise bad_request(f"{name} is empty")
            return default
        return value if isinstance(value, str) else orjson.dumps(value).decode()

    def bool(self, name: str, default: bool = False) -> bool:
        value = self.values.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, int | float):
            return bool(value)
        return str(value).strip().lower() in ("true", "1", "yes", "on")

    def json(self, name: str, default: Any = None) -> Any:
        """An object or array parameter (a JSON string in forms, a value in JSON bodies)."""
        value = self.values.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, str):
            try:
                return orjson.loads(value)
            except orjson.JSONDecodeError:
                raise bad_request(f"can't parse {name} JSON object") from None
        return value

    def chat_ref(self, name: str = "chat_id") -> int | str:
        """A chat: its integer id or "@username"."""
        value = self.values.get(name)
        if value is None or value == "":
            raise bad_request(f"{name} is empty")
        if isinstance(value, bool):
            raise bad_request("chat not found")
        if isinstance(value, int):
            return value
        text = str(value).strip()
        if text.startswith("@"):
            return text
        try:
            return int(text)
        except ValueError:
            raise bad_request("chat not found") from None


def require(condition: bool, error: ApiError) -> None:
    if not condition:
        raise error
