"""Methods about a chat as a whole: its info, the bot leaving it, invite links, settings."""

from __future__ import annotations

import secrets
from typing import Any

from aula_tgsim import errors
from aula_tgsim.context import Context
from aula_tgsim.errors import bad_request
from aula_tgsim.model import PERMISSIONS, Chat, Member
from aula_tgsim.routing import member_snapshot, route_member_change
from aula_tgsim.updates import announce_leave


def get_chat(ctx: Context) -> dict[str, Any]:
    chat = ctx.chat()
    ctx.world.require_access(chat, ctx.bot)
    return chat.full_json()


def leave_chat(ctx: Context) -> bool:
    chat = ctx.chat()
    if chat.type == "private":
        raise bad_request("chat member status can't be changed in private chats")
    ctx.world.require_access(chat, ctx.bot)
    bot_user = ctx.bot.user
    old = member_snapshot(ctx.sim, chat, bot_user)
    member = Member(user=bot_user, status="left")
    chat.members[bot_user.id] = member
    route_member_change(ctx.sim, chat, bot_user, old, member)
    announce_leave(ctx.sim, chat, bot_user, bot_user)
    return True


def _require_invite_right(ctx: Context) -> Chat:
    chat = ctx.chat()
    if chat.type == "private":
        raise bad_request("can't invite members to a private chat")
    ctx.world.require_right(chat, ctx.bot, "can_invite_users", bad_request(errors.NOT_ENOUGH_RIGHTS_TO_INVITE))
    return chat


def _new_link() -> str:
    return f"https://t.me/+{secrets.token_urlsafe(12)}"


def export_chat_invite_link(ctx: Context) -> str:
    chat = _require_invite_right(ctx)
    chat.invite_link = _new_link()  # the previous primary link is revoked
    return chat.invite_link


def create_chat_invite_link(ctx: Context) -> dict[str, Any]:
    chat = _require_invite_right(ctx)
    params = ctx.params
    name = params.str("name")
    if name is not None and len(name) > 32:
        raise bad_request("invite link name is too long")
    member_limit = params.int("member_limit")
    if member_limit is not None and not 1 <= member_limit <= 99999:
        raise bad_request("member limit must be between 1 and 99999")
    creates_join_request = params.bool("creates_join_request")
    if creates_join_request and member_limit:
        raise bad_request("member limit can't be specified for links requiring administrator approval")
    link: dict[str, Any] = {
        "invite_link": _new_link(),
        "creator": ctx.bot.user.to_json(),
        "creates_join_request": creates_join_request,
        "is_primary": False,
        "is_revoked": False,
    }
    if name:
        link["name"] = name
    if params.int("expire_date"):
        link["expire_date"] = params.int("expire_date")
    if member_limit:
        link["member_limit"] = member_limit
    chat.invite_links[link["invite_link"]] = link
    return link


def revoke_chat_invite_link(ctx: Context) -> dict[str, Any]:
    chat = _require_invite_right(ctx)
    url = ctx.params.str("invite_link", required=True) or ""
    link = chat.invite_links.get(url)
    if link is None:
        raise bad_request("INVITE_HASH_EXPIRED")
    link["is_revoked"] = True
    return link


def set_chat_permissions(ctx: Context) -> bool:
    chat = ctx.chat()
    if chat.type not in ("group", "supergroup"):
        raise bad_request("method is available only for groups and supergroups")
    refusal = bad_request("not enough rights to change chat permissions")
    ctx.world.require_right(chat, ctx.bot, "can_restrict_members", refusal)
    requested = ctx.params.json("permissions")
    if not isinstance(requested, dict):
        raise bad_request("can't parse permissions JSON object")
    chat.permissions = {name: bool(requested.get(name, False)) for name in PERMISSIONS}
    return True


def set_chat_title(ctx: Context) -> bool:
    chat = ctx.chat()
    ctx.world.require_right(chat, ctx.bot, "can_change_info", bad_request("not enough rights to change chat title"))
    title = ctx.params.str("title", required=True) or ""
    if not 1 <= len(title) <= 128:
        raise bad_request("chat title is empty" if not title else "chat title is too long")
    chat.title = title
    return True


def set_chat_description(ctx: Context) -> bool:
    chat = ctx.chat()
    ctx.world.require_right(
        chat, ctx.bot, "can_change_info", bad_request("not enough rights to change chat description")
    )
    description = ctx.params.str("description", "") or ""
    if len(description) > 255:
        raise bad_request("chat description is too long")
    chat.description = description or None
    return True
