"""Secrets never reach a log line, whoever logs them."""

from __future__ import annotations

import logging

import orjson

from aula_shared.logging import JsonFormatter, redact

TOKEN = "123456789:AAEhBOweik6ad9r_QXMENQjcrGbqCr4K-Ms"


def test_tokens_and_secret_parameters_are_redacted():
    text = f"POST https://api.telegram.org/bot{TOKEN}/sendMessage and /webhook?token={TOKEN}&x=1 password=hunter2"
    cleaned = redact(text)
    assert "AAEhBOweik6ad9r" not in cleaned
    assert "hunter2" not in cleaned
    assert "&x=1" in cleaned and "sendMessage" in cleaned


def test_json_lines_carry_extra_fields_and_redact_everything():
    record = logging.LogRecord("httpx", logging.INFO, __file__, 1, "HTTP Request: %s", (f"/bot{TOKEN}/getMe",), None)
    record.bot_id = 123456789
    line = JsonFormatter().format(record)
    payload = orjson.loads(line)
    assert payload["bot_id"] == 123456789
    assert payload["level"] == "info" and payload["logger"] == "httpx"
    assert TOKEN not in line and "[redacted]" in payload["msg"]


def test_exceptions_are_redacted_too():
    try:
        raise ValueError(f"bad token {TOKEN}")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), __import__("sys").exc_info())
    assert "AAEhBOweik6ad9r" not in JsonFormatter().format(record)
