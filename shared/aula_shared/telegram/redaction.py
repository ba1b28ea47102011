"""Keep bot tokens out of log records written by the HTTP libraries the client uses.

Bot API URLs are `/bot<token>/<method>`, and both httpx and PTB log URLs. aula_shared.logging redacts at the
handler, but its pattern misses a token glued to "bot" in a URL; this filter redacts at the source as well, so
the token is gone whatever handler a process configured (Celery's, pytest's, a bare basicConfig).
"""

from __future__ import annotations

import logging
import re
import threading

from aula_shared.logging import REDACTED, redact

# A token anywhere, including glued to "bot" in a URL path (where a \b-anchored pattern does not match).
_TOKEN_ANYWHERE = re.compile(r"(?<![0-9])\d{5,16}:[A-Za-z0-9_-]{20,}")
# Loggers whose records may carry a token: httpx logs request URLs at INFO, PTB's bots log their base URL at
# DEBUG ("Set Bot API URL: .../bot<token>"). Logger filters do not reach child loggers, so install() attaches
# the filter to every existing logger under these names (PTB creates its loggers when it is imported).
_LOGGER_PREFIXES = ("httpx", "telegram")

_installed = False
_lock = threading.Lock()


def redact_tokens(text: str) -> str:
    return redact(_TOKEN_ANYWHERE.sub(REDACTED, text))


class TokenRedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact_tokens(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


def install() -> None:
    """Attach the filter to the loggers of httpx and PTB (once per process)."""
    global _installed
    with _lock:
        if _installed:
            return
        names = [name for name in logging.Logger.manager.loggerDict if name.split(".")[0] in _LOGGER_PREFIXES]
        for name in {*names, *_LOGGER_PREFIXES}:
            logging.getLogger(name).addFilter(TokenRedactingFilter())
        _installed = True
