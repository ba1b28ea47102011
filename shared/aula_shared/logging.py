"""Structured logging: one JSON object per line, with bot tokens and secrets redacted.

Redaction is a filter on the handler, so it also covers third-party loggers (httpx logs every request URL,
and Bot API URLs carry the token).
"""

from __future__ import annotations

import logging
import re
import sys
import time

import orjson

# A bot token is "<bot id>:<35 characters>"; match generously so that a slightly different one is hidden too.
_TOKEN = re.compile(r"(?<!\d)\d{5,16}:[A-Za-z0-9_-]{20,}")  # also inside "bot<token>"
_SECRET_PARAM = re.compile(r"(?i)((?:token|secret|secret_token|password)=)[^&\s\"']+")
REDACTED = "[redacted]"

_STANDARD_ATTRS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def redact(text: str) -> str:
    """Hide bot tokens and secret query parameters in a string."""
    return _SECRET_PARAM.sub(lambda m: m.group(1) + REDACTED, _TOKEN.sub(REDACTED, text))


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                payload[key] = value
        if record.exc_info:
            payload["exc"] = self.formatException(record.exc_info)
        return redact(orjson.dumps(payload, default=str).decode())


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def configure(level: str = "INFO", json: bool = True) -> None:
    """Route every logger through one redacting handler on stderr. Call once, from a process entry point."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter() if json else RedactingFormatter("%(asctime)s %(levelname)s %(name)s %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs each request at INFO with the full URL; keep it, redacted, only when debugging.
    logging.getLogger("httpx").setLevel(logging.WARNING)
