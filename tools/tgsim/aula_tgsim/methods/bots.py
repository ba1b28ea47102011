"""Methods about the bot itself: identity, webhook, getUpdates, command menu, files."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from aula_tgsim import errors
from aula_tgsim.context import Context, Reply
from aula_tgsim.errors import ApiError, bad_request

_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")


def get_me(ctx: Context) -> dict[str, Any]:
    return ctx.bot.get_me()


def set_webhook(ctx: Context) -> Reply:
    params = ctx.params
    url = params.str("url", "") or ""
    mailbox = ctx.sim.mailbox(ctx.bot.id)
    if not url:
        had_webhook = mailbox.delete_webhook(params.bool("drop_pending_updates"))
        return Reply(True, "Webhook was deleted" if had_webhook else "Webhook is already deleted")
    if not url.startswith(("https://", "http://")):  # Telegram wants https; the simulator also takes http
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = params.str("secret_token")
    if secret is not None and not _SECRET_TOKEN.fullmatch(secret):
        raise bad_request("bad webhook: secret token contains unallowed characters")
    max_connections = params.int("max_connections", 40)
    if not 1 <= max_connections <= 100:
        raise bad_request("bad webhook: max_connections must be between 1 and 100")
    allowed = params.json("allowed_updates")
    if allowed is not None and not (isinstance(allowed, list) and all(isinstance(kind, str) for kind in allowed)):
        raise bad_request("can't parse allowed updates")
    already = mailbox.url == url
    mailbox.set_webhook(
        url=url,
        secret=secret,
        allowed_updates=allowed,
        max_connections=max_connections,
        ip_address=params.str("ip_address"),
        drop_pending=params.bool("drop_pending_updates"),
    )
    return Reply(True, "Webhook is already set" if already else "Webhook was set")


def delete_webhook(ctx: Context) -> Reply:
    had_webhook = ctx.sim.mailbox(ctx.bot.id).delete_webhook(ctx.params.bool("drop_pending_updates"))
    return Reply(True, "Webhook was deleted" if had_webhook else "Webhook is already deleted")


def get_webhook_info(ctx: Context) -> dict[str, Any]:
    return ctx.sim.mailbox(ctx.bot.id).info()


def get_updates(ctx: Context) -> list[dict[str, Any]]:
    """Short polling only (`timeout` is not waited for): Aula uses webhooks; this serves ad-hoc scripts."""
    mailbox = ctx.sim.mailbox(ctx.bot.id)
    if mailbox.url:
        raise ApiError(409, f"Conflict: {errors.WEBHOOK_ACTIVE}")
    limit = max(1, min(100, ctx.params.int("limit", 100)))
    return mailbox.take_updates(ctx.params.int("offset"), limit, ctx.params.json("allowed_updates"))


def _commands_key(ctx: Context) -> str:
    scope = ctx.params.json("scope") or {"type": "default"}
    parts = (scope.get("type", "default"), scope.get("chat_id", ""), scope.get("user_id", ""))
    return ":".join(map(str, parts)) + ":" + (ctx.params.str("language_code", "") or "")


def set_my_commands(ctx: Context) -> bool:
    commands = ctx.params.json("commands")
    if not isinstance(commands, list) or len(commands) > 100:
        raise bad_request("can't parse commands JSON object")
    for command in commands:
        name = (command or {}).get("command", "")
        description = (command or {}).get("description", "")
        if not _COMMAND.fullmatch(str(name)) or not 1 <= len(str(description)) <= 256:
            raise bad_request(errors.BOT_COMMAND_INVALID)
    ctx.bot.commands[_commands_key(ctx)] = [
        {"command": c["command"], "description": c["description"]} for c in commands
    ]
    return True


def get_my_commands(ctx: Context) -> list[dict[str, str]]:
    return ctx.bot.commands.get(_commands_key(ctx), [])


def delete_my_commands(ctx: Context) -> bool:
    ctx.bot.commands.pop(_commands_key(ctx), None)
    return True


def get_file(ctx: Context) -> dict[str, Any]:
    """A chat photo's file as stored (see files.py); any other id names a made-up document with no content."""
    file_id = ctx.params.str("file_id", "") or ""
    if not file_id:
        raise bad_request("invalid file_id")
    stored = ctx.world.files.get(file_id)
    if stored is not None:
        return stored.get_file_json()
    digest = hashlib.sha256(file_id.encode()).hexdigest()
    return {
        "file_id": file_id,
        "file_unique_id": digest[:16],
        "file_size": 1024 + int(digest[:4], 16),
        "file_path": f"documents/file_{digest[:8]}",
    }
