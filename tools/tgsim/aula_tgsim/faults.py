"""Fault injection: "the next N calls of method M (by bot B, in chat C) answer this error, or answer late"."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from aula_tgsim.errors import ApiError, too_many_requests

_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request: simulated error",
    401: "Unauthorized",
    403: "Forbidden: simulated error",
    404: "Not Found",
    409: "Conflict: simulated error",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


@dataclass
class Fault:
    id: int
    method: str | None  # None: any method
    bot_id: int | None
    chat_id: int | str | None
    remaining: int
    error_code: int | None  # None: no error, only the delay
    description: str | None
    parameters: dict[str, Any] | None
    delay: float

    def matches(self, method: str, bot_id: int | None, chat_id: Any) -> bool:
        if self.method is not None and self.method.lower() != method.lower():
            return False
        if self.bot_id is not None and self.bot_id != bot_id:
            return False
        return self.chat_id is None or str(self.chat_id) == str(chat_id)

    def error(self) -> ApiError | None:
        if self.error_code is None:
            return None
        if self.error_code == 429 and not self.description:
            retry_after = int((self.parameters or {}).get("retry_after", 1))
            return too_many_requests(retry_after)
        description = self.description or _DEFAULT_DESCRIPTIONS.get(self.error_code, "Simulated error")
        return ApiError(self.error_code, description, self.parameters)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "method": self.method,
            "bot_id": self.bot_id,
            "chat_id": self.chat_id,
            "remaining": self.remaining,
            "error_code": self.error_code,
            "description": self.description,
            "parameters": self.parameters,
            "delay": self.delay,
        }


class Faults:
    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._ids = itertools.count(1)

    def add(self, spec: dict[str, Any]) -> Fault:
        parameters = dict(spec.get("parameters") or {})
        if spec.get("retry_after") is not None:
            parameters["retry_after"] = int(spec["retry_after"])
        if spec.get("migrate_to_chat_id") is not None:
            parameters["migrate_to_chat_id"] = int(spec["migrate_to_chat_id"])
        error_code = spec.get("error_code")
        fault = Fault(
            id=next(self._ids),
            method=spec.get("method"),
            bot_id=spec.get("bot_id"),
            chat_id=spec.get("chat_id"),
            remaining=int(spec.get("times", 1)),
            error_code=None if error_code is None else int(error_code),
            description=spec.get("description"),
            parameters=parameters or None,
            delay=float(spec.get("delay", 0.0)),
        )
        self._faults.append(fault)
        return fault

    def take(self, method: str, bot_id: int | None, chat_id: Any) -> Fault | None:
        """The first armed fault matching this call, used up by one."""
        for fault in self._faults:
            if fault.remaining > 0 and fault.matches(method, bot_id, chat_id):
                fault.remaining -= 1
                if fault.remaining == 0:
                    self._faults.remove(fault)
                return fault
        return None

    def clear(self) -> None:
        self._faults.clear()

    def to_json(self) -> list[dict[str, Any]]:
        return [fault.to_json() for fault in self._faults]
