"""The bot registry: which bots Aula runs, read by the gateway (tokens, secrets) and the workers (tokens)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select

from aula_shared.db import session_scope
from aula_shared.platform.models import Bot

TOKEN_FORMAT = re.compile(r"^(\d{1,20}):[A-Za-z0-9_-]{20,}$")
SECRET_FORMAT = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # what Telegram accepts as secret_token
# Aula needs chat_member (joins, leaves, restrictions), which Telegram only sends when asked for by name.
ALLOWED_UPDATES = (
    "message",
    "edited_message",
    "callback_query",
    "chat_member",
    "my_chat_member",
    "chat_join_request",
)


class InvalidToken(ValueError):
    pass


def bot_id_of(token: str) -> int:
    """The bot id a token starts with; raises InvalidToken if it does not look like a bot token."""
    match = TOKEN_FORMAT.match(token)
    if not match:
        raise InvalidToken("a bot token looks like 123456789:AAE… (digits, a colon, then the secret)")
    return int(match.group(1))


@dataclass(frozen=True, slots=True)
class BotRecord:
    id: int
    username: str
    token: str
    webhook_secret: str | None
    webhook_url: str | None = None

    def __repr__(self) -> str:  # never show the token, not even in a traceback
        return f"BotRecord(id={self.id}, username={self.username!r})"


def active_bots(database_url: str) -> list[BotRecord]:
    with session_scope(database_url) as session:
        rows = session.scalars(select(Bot).where(Bot.active.is_(True)).order_by(Bot.id))
        return [BotRecord(b.id, b.username, b.token, b.webhook_secret, b.webhook_url) for b in rows]


def find_bot(database_url: str, bot_id: int) -> BotRecord | None:
    with session_scope(database_url) as session:
        bot = session.get(Bot, bot_id)
        if bot is None or not bot.active:
            return None
        return BotRecord(bot.id, bot.username, bot.token, bot.webhook_secret, bot.webhook_url)


def save_bot(
    database_url: str,
    bot_id: int,
    username: str,
    token: str,
    webhook_secret: str | None = None,
    webhook_url: str | None = None,
) -> bool:
    """Register or update a bot; True if it is new."""
    with session_scope(database_url) as session:
        bot = session.get(Bot, bot_id)
        created = bot is None
        if bot is None:
            bot = Bot(id=bot_id)
            session.add(bot)
        bot.username, bot.token, bot.active = username, token, True
        if webhook_url is not None:
            bot.webhook_secret, bot.webhook_url = webhook_secret, webhook_url
        return created


def remove_bot(database_url: str, bot_id: int) -> bool:
    """Stop running a bot (its row is kept, inactive: `bots add` brings it back); False if it was not active."""
    with session_scope(database_url) as session:
        bot = session.get(Bot, bot_id)
        if bot is None or not bot.active:
            return False
        bot.active = False
        return True


def set_webhook_secret(database_url: str, bot_id: int, webhook_secret: str) -> None:
    """Record the secret_token the bot's webhook was just set with."""
    with session_scope(database_url) as session:
        bot = session.get(Bot, bot_id)
        if bot is None:
            raise LookupError(f"bot {bot_id} is not registered")
        bot.webhook_secret = webhook_secret
