"""`aula bots add|list|remove|rotate-secret`.

Every command that changes the registry announces it (aula_shared.platform.changes) after its commit, so the
gateways know at once: Telegram delivers the moment setWebhook returns.
"""

from __future__ import annotations

import asyncio
import secrets
from urllib.parse import urlsplit, urlunsplit

import click

from aula_shared.cli import OperatorError, settings
from aula_shared.platform import changes, registry
from aula_shared.platform.models import mask_token


def _webhook_url_for(base: str, bot_id: int) -> str:
    """The gateway URL of one bot: `<base>/<bot id>` unless the operator already wrote it that way."""
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise OperatorError(f"--webhook-url must be an http(s) URL, got {base!r}")
    path = parts.path.rstrip("/")
    if not path.endswith(f"/{bot_id}"):
        path = f"{path}/{bot_id}"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


async def _register_with_telegram(api_url: str, token: str, webhook_url: str | None, secret: str | None):
    from telegram import Bot
    from telegram.error import InvalidToken, NetworkError, TelegramError

    try:
        async with Bot(token, base_url=f"{api_url}/bot") as bot:
            me = bot.bot  # fetched by `async with` (getMe)
            if webhook_url:
                await bot.set_webhook(
                    url=webhook_url, secret_token=secret, allowed_updates=list(registry.ALLOWED_UPDATES)
                )
            return me
    except InvalidToken:
        raise OperatorError("Telegram rejected the token (Unauthorized)") from None
    except NetworkError as error:
        raise OperatorError(f"cannot reach the Bot API at {api_url}: {error.message}") from None
    except TelegramError as error:
        raise OperatorError(f"the Bot API refused: {error.message}") from None


@click.command("add")
@click.option("--token", required=True, help="The bot's token from @BotFather.")
@click.option(
    "--webhook-url", help="Public gateway URL, e.g. https://aula.example.org/webhook (the bot id is appended)."
)
def add_bot(token: str, webhook_url: str | None) -> None:
    """Validate a bot with getMe, register it, and optionally point its webhook at the gateway."""
    config = settings()
    try:
        bot_id = registry.bot_id_of(token)
    except registry.InvalidToken as error:
        raise OperatorError(str(error)) from None
    url = _webhook_url_for(webhook_url, bot_id) if webhook_url else None
    secret = secrets.token_urlsafe(32) if url else None
    me = asyncio.run(_register_with_telegram(config.telegram_api_url, token, url, secret))
    if me.id != bot_id:
        raise OperatorError("the token's bot id does not match the bot Telegram answered for")
    created = registry.save_bot(config.database_url_for("platform"), me.id, me.username or "", token, secret, url)
    _announce(config.redis_url)
    click.echo(f"{'registered' if created else 'updated'} bot {me.id} @{me.username}")
    if url:
        click.echo(f"webhook set to {url} (secret token sent, allowed updates: {', '.join(registry.ALLOWED_UPDATES)})")


@click.command("list")
def list_bots() -> None:
    """The registered bots: id, username, masked token."""
    bots = registry.active_bots(settings().database_url_for("platform"))
    if not bots:
        click.echo("no bots registered; add one with `aula bots add --token TOKEN`")
    for bot in bots:
        click.echo(f"{bot.id}\t@{bot.username}\t{mask_token(bot.token)}")


def _announce(redis_url: str | None) -> None:
    if redis_url and not changes.announce(redis_url):
        click.echo("warning: could not tell the gateways at once; they reload the registry within 30 s", err=True)


def _registered(database_url: str, bot_id: int) -> registry.BotRecord:
    bot = registry.find_bot(database_url, bot_id)
    if bot is None:
        raise OperatorError(f"no registered bot {bot_id}; see `aula bots list`")
    return bot


@click.command("remove")
@click.argument("bot_id", type=int)
def remove_bot(bot_id: int) -> None:
    """Stop running a bot: the gateways refuse its updates at once (its webhook at Telegram is left as is)."""
    config = settings()
    database_url = config.database_url_for("platform")
    _registered(database_url, bot_id)
    registry.remove_bot(database_url, bot_id)
    _announce(config.redis_url)
    click.echo(f"removed bot {bot_id}")


@click.command("rotate-secret")
@click.argument("bot_id", type=int)
def rotate_secret(bot_id: int) -> None:
    """Give a bot's webhook a new secret token: setWebhook with it, then the gateways accept only the new one."""
    config = settings()
    database_url = config.database_url_for("platform")
    bot = _registered(database_url, bot_id)
    if not bot.webhook_url:
        raise OperatorError(f"bot {bot_id} has no webhook set by Aula; set one with `aula bots add --webhook-url`")
    secret = secrets.token_urlsafe(32)
    # Telegram first: if it refuses, nothing is written and the old secret stays valid on both sides.
    asyncio.run(_register_with_telegram(config.telegram_api_url, bot.token, bot.webhook_url, secret))
    registry.set_webhook_secret(database_url, bot_id, secret)
    _announce(config.redis_url)
    click.echo(f"new webhook secret set for bot {bot_id} ({bot.webhook_url})")


def commands() -> list[tuple[str, click.Command]]:
    return [("bots", add_bot), ("bots", list_bots), ("bots", remove_bot), ("bots", rotate_secret)]
