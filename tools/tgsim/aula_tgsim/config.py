"""The simulator's knobs: Telegram's flood limits and webhook delivery. Tests tighten or loosen them at will."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Window:
    """At most `limit` messages in any `seconds`-long stretch of time."""

    limit: int
    seconds: float

    @classmethod
    def parse(cls, value: Any) -> Window:
        if isinstance(value, dict):
            return cls(int(value["limit"]), float(value["seconds"]))
        limit, seconds = value
        return cls(int(limit), float(seconds))


@dataclass
class RateLimitConfig:
    """Telegram's documented flood limits (Bot FAQ); the burst sizes are the simulator's guess.

    per_chat: "avoid sending more than one message per second" with short bursts -> 3 in any 3 s.
    per_group: "no more than 20 messages per minute to the same group" (negative chat ids) -> 20 in any 60 s.
    per_bot: "not more than 30 messages per second" across chats -> 30 in any 1 s.
    """

    enabled: bool = True
    per_chat: Window = field(default_factory=lambda: Window(3, 3.0))
    per_group: Window = field(default_factory=lambda: Window(20, 60.0))
    per_bot: Window = field(default_factory=lambda: Window(30, 1.0))

    def update(self, data: dict[str, Any]) -> None:
        if "enabled" in data:
            self.enabled = bool(data["enabled"])
        for name in ("per_chat", "per_group", "per_bot"):
            if name in data:
                setattr(self, name, Window.parse(data[name]))


@dataclass
class WebhookConfig:
    """Delivery like Telegram's: one update at a time per bot, retried with exponential backoff, then dropped."""

    timeout: float = 10.0
    max_attempts: int = 8
    backoff_initial: float = 0.5
    backoff_max: float = 30.0

    def update(self, data: dict[str, Any]) -> None:
        for name in ("timeout", "backoff_initial", "backoff_max"):
            if name in data:
                setattr(self, name, float(data[name]))
        if "max_attempts" in data:
            self.max_attempts = max(1, int(data["max_attempts"]))

    def backoff(self, failures: int) -> float:
        return min(self.backoff_initial * 2 ** max(failures - 1, 0), self.backoff_max)


@dataclass
class SimConfig:
    rate_limits: RateLimitConfig = field(default_factory=RateLimitConfig)
    webhook: WebhookConfig = field(default_factory=WebhookConfig)

    def update(self, data: dict[str, Any]) -> None:
        if "rate_limits" in data:
            self.rate_limits.update(data["rate_limits"])
        if "webhook" in data:
            self.webhook.update(data["webhook"])

    def to_json(self) -> dict[str, Any]:
        return asdict(self)
