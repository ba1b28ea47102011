"""Every Bot API call the simulator answered, for tests to assert on (bounded, oldest dropped first)."""

from __future__ import annotations

import itertools
import threading
from collections import deque
from dataclasses import dataclass
from typing import Any


@dataclass
class Call:
    seq: int
    time: float  # wall-clock seconds (time.time()) when the call arrived; real time, not the simulated clock
    bot_id: int | None
    method: str
    params: dict[str, Any]
    status: int
    response: dict[str, Any]
    chat_id: Any = None

    @property
    def ok(self) -> bool:
        return bool(self.response.get("ok"))

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "time": self.time,
            "bot_id": self.bot_id,
            "method": self.method,
            "chat_id": self.chat_id,
            "params": self.params,
            "status": self.status,
            "response": self.response,
        }


class CallLog:
    def __init__(self, capacity: int = 100_000) -> None:
        self._calls: deque[Call] = deque(maxlen=capacity)
        self._seq = itertools.count(1)
        self._lock = threading.Lock()

    def record(self, **fields: Any) -> Call:
        with self._lock:
            call = Call(seq=next(self._seq), **fields)
            self._calls.append(call)
            return call

    def query(
        self,
        method: str | None = None,
        bot_id: int | None = None,
        chat_id: Any = None,
        since: int = 0,
        limit: int | None = None,
    ) -> list[Call]:
        with self._lock:
            calls = list(self._calls)
        selected = [
            call
            for call in calls
            if call.seq > since
            and (method is None or call.method.lower() == method.lower())
            and (bot_id is None or call.bot_id == bot_id)
            and (chat_id is None or str(call.chat_id) == str(chat_id))
        ]
        return selected if limit is None else selected[:limit]

    def last_seq(self) -> int:
        with self._lock:
            return self._calls[-1].seq if self._calls else 0

    def clear(self) -> None:
        with self._lock:
            self._calls.clear()
