"""Methods about chat members: ban, kick, mute, promote, titles, lookups and join requests.

Rules worth knowing (Bot API docs, groupbots.md §4):
- until_date less than 30 s or more than 366 days away means forever (stored and answered as 0); it applies to
  supergroups and channels only — a ban in a basic group is always forever.
- unbanChatMember without only_if_banned removes a present member (a kick); with it, it only lifts a ban.
- restrictChatMember works in supergroups only; permissions left out are false; unless
  use_independent_chat_permissions, can_send_other_messages and can_add_web_page_previews imply can_send_messages
  and the media permissions, and can_send_polls implies can_send_messages. Granting at least what the chat grants
  lifts the restriction.
- setChatAdministratorCustomTitle: supergroups, administrators promoted by this bot, at most 16 characters, no emoji.
"""

from __future__ import annotations

from typing import Any

from aula_tgsim import errors
from aula_tgsim.context import Context
from aula_tgsim.errors import bad_request
from aula_tgsim.model import ADMIN_RIGHTS, CHANNEL_ADMIN_RIGHTS, MEDIA_PERMISSIONS, PERMISSIONS, Chat, Member, User
from aula_tgsim.routing import member_snapshot, route_member_change
from aula_tgsim.text import contains_emoji
from aula_tgsim.updates import announce_join, announce_leave
from aula_tgsim.world import effective_until

MAX_CUSTOM_TITLE = 16


def _moderated_chat(ctx: Context) -> Chat:
    chat = ctx.chat()
    if chat.type == "private":
        raise bad_request("chat member status can't be changed in private chats")
    return chat


def _require_restrict_right(ctx: Context, chat: Chat) -> None:
    ctx.world.require_right(chat, ctx.bot, "can_restrict_members", bad_request(errors.NOT_ENOUGH_RIGHTS_TO_RESTRICT))


def _protect_admins(ctx: Context, target: Member | None) -> None:
    """The owner is untouchable; other administrators only by the bot that promoted them."""
    if target is None:
        return
    if target.status == "creator":
        raise bad_request(errors.CANT_REMOVE_OWNER)
    if target.status == "administrator" and target.promoted_by != ctx.bot.id:
        raise bad_request(errors.USER_IS_ADMIN)


def _change(ctx: Context, chat: Chat, user: User, member: Member, old: Member) -> None:
    chat.members[user.id] = member
    route_member_change(ctx.sim, chat, ctx.bot.user, old, member)


def ban_chat_member(ctx: Context) -> bool:
    chat = _moderated_chat(ctx)
    _require_restrict_right(ctx, chat)
    user = ctx.user()
    if user.id == ctx.bot.id:
        raise bad_request(errors.CANT_REMOVE_SELF)
    target = ctx.world.member(chat, user.id)
    _protect_admins(ctx, target)
    until = 0 if chat.type == "group" else effective_until(ctx.now, ctx.params.int("until_date"))
    was_present = target is not None and target.is_present
    old = member_snapshot(ctx.sim, chat, user)
    _change(ctx, chat, user, Member(user=user, status="kicked", until_date=until), old)
    if was_present:
        announce_leave(ctx.sim, chat, user, ctx.bot.user)
    return True


def unban_chat_member(ctx: Context) -> bool:
    chat = _moderated_chat(ctx)
    if chat.type == "group":  # as Telegram: basic groups have no unban (their bans are lifted by adding back)
        raise bad_request(errors.ONLY_SUPERGROUPS)
    _require_restrict_right(ctx, chat)
    user = ctx.user()
    target = ctx.world.member(chat, user.id)
    if target is None or target.status == "left":
        return True
    old = member_snapshot(ctx.sim, chat, user)
    if target.status == "kicked":
        _change(ctx, chat, user, Member(user=user, status="left"), old)
        return True
    if ctx.params.bool("only_if_banned"):
        return True
    # Without only_if_banned the user is guaranteed not to be a member afterwards: a kick.
    if user.id == ctx.bot.id:
        raise bad_request(errors.CANT_REMOVE_SELF)
    _protect_admins(ctx, target)
    was_present = target.is_present
    _change(ctx, chat, user, Member(user=user, status="left"), old)
    if was_present:
        announce_leave(ctx.sim, chat, user, ctx.bot.user)
    return True


def resolve_permissions(requested: dict[str, Any], independent: bool) -> dict[str, bool]:
    permissions = {name: bool(requested.get(name, False)) for name in PERMISSIONS}
    if "can_send_media_messages" in requested:  # legacy field: all media kinds at once
        for name in MEDIA_PERMISSIONS:
            permissions[name] = bool(requested["can_send_media_messages"])
    if not independent:
        if permissions["can_send_other_messages"] or permissions["can_add_web_page_previews"]:
            permissions["can_send_messages"] = True
            for name in MEDIA_PERMISSIONS:
                permissions[name] = True
        if permissions["can_send_polls"]:
            permissions["can_send_messages"] = True
    return permissions


def restrict_chat_member(ctx: Context) -> bool:
    chat = _moderated_chat(ctx)
    if chat.type != "supergroup":
        raise bad_request(errors.ONLY_SUPERGROUPS)
    _require_restrict_right(ctx, chat)
    user = ctx.user()
    if user.id == ctx.bot.id:
        raise bad_request(errors.CANT_RESTRICT_SELF)
    target = ctx.world.member(chat, user.id)
    _protect_admins(ctx, target)
    requested = ctx.params.json("permissions")
    if not isinstance(requested, dict):
        raise bad_request("can't parse permissions JSON object")
    permissions = resolve_permissions(requested, ctx.params.bool("use_independent_chat_permissions"))
    is_member = target is not None and target.is_present
    old = member_snapshot(ctx.sim, chat, user)
    lifts = all(permissions[name] or not chat.permissions.get(name, False) for name in PERMISSIONS)
    if lifts:
        new = Member(user=user, status="member" if is_member else "left")
    else:
        until = effective_until(ctx.now, ctx.params.int("until_date"))
        new = Member(user=user, status="restricted", permissions=permissions, until_date=until, is_member=is_member)
    _change(ctx, chat, user, new, old)
    return True


def promote_chat_member(ctx: Context) -> bool:
    chat = _moderated_chat(ctx)
    bot_member = ctx.world.require_right(
        chat, ctx.bot, "can_promote_members", bad_request(errors.NOT_ENOUGH_RIGHTS_TO_PROMOTE)
    )
    user = ctx.user()
    target = ctx.world.member(chat, user.id)
    if target is None or not target.is_present:
        raise bad_request(errors.MEMBER_NOT_FOUND)
    if target.status == "creator":
        raise bad_request("can't change rights of the chat owner")
    if target.status == "administrator" and target.promoted_by != ctx.bot.id:
        raise bad_request("CHAT_ADMIN_REQUIRED")
    names = ADMIN_RIGHTS + (CHANNEL_ADMIN_RIGHTS if chat.type == "channel" else ())
    rights = {name: ctx.params.bool(name) for name in names}
    if bot_member is not None and bot_member.status != "creator":
        for name, granted in rights.items():
            if granted and name != "is_anonymous" and not bot_member.rights.get(name):
                raise bad_request("RIGHT_FORBIDDEN")
    old = member_snapshot(ctx.sim, chat, user)
    if not any(rights.values()):
        new = Member(user=user, status="member")  # "Pass False for all boolean parameters to demote"
    else:
        rights["can_manage_chat"] = True  # implied by any other administrator right
        title = target.custom_title if target.status == "administrator" else None
        new = Member(user=user, status="administrator", rights=rights, promoted_by=ctx.bot.id, custom_title=title)
    _change(ctx, chat, user, new, old)
    return True


def set_chat_administrator_custom_title(ctx: Context) -> bool:
    chat = _moderated_chat(ctx)
    if chat.type != "supergroup":
        raise bad_request(errors.ONLY_SUPERGROUPS)
    ctx.world.require_access(chat, ctx.bot)
    user = ctx.user()
    target = ctx.world.member(chat, user.id)
    if target is None or target.status not in ("administrator", "creator"):
        raise bad_request(errors.USER_NOT_ADMIN)
    if target.status == "creator" or target.promoted_by != ctx.bot.id:
        raise bad_request(errors.CANT_CHANGE_TITLE)
    title = ctx.params.str("custom_title", "") or ""
    if len(title) > MAX_CUSTOM_TITLE:
        raise bad_request(errors.ADMIN_RANK_TOO_LONG)
    if contains_emoji(title):
        raise bad_request(errors.ADMIN_RANK_EMOJI)
    old = member_snapshot(ctx.sim, chat, user)
    target.custom_title = title or None
    route_member_change(ctx.sim, chat, ctx.bot.user, old, target)
    return True


def get_chat_member(ctx: Context) -> dict[str, Any]:
    chat = ctx.chat()
    ctx.world.require_access(chat, ctx.bot)
    user_id = ctx.params.required_int("user_id")
    user = ctx.world.user(user_id)
    if user is None:
        raise bad_request(errors.USER_NOT_FOUND)
    if chat.type == "private":
        if user.id in (chat.id, ctx.bot.id):
            return Member(user=user, status="member").to_json()
        raise bad_request(errors.MEMBER_NOT_FOUND)
    member = ctx.world.member(chat, user.id)
    if member is None:
        raise bad_request(errors.MEMBER_NOT_FOUND)
    return member.to_json(ctx.bot.id)


def get_chat_administrators(ctx: Context) -> list[dict[str, Any]]:
    chat = ctx.chat()
    if chat.type == "private":
        raise bad_request("there are no administrators in the private chat")
    ctx.world.require_access(chat, ctx.bot)
    admins = [
        ctx.world.member(chat, user_id)
        for user_id, member in chat.members.items()
        if member.is_admin and (not member.user.is_bot or user_id == ctx.bot.id)  # other bots are left out
    ]
    admins.sort(key=lambda member: member.status != "creator")
    return [member.to_json(ctx.bot.id) for member in admins if member is not None]


def get_chat_member_count(ctx: Context) -> int:
    chat = ctx.chat()
    ctx.world.require_access(chat, ctx.bot)
    if chat.type == "private":
        return 2
    return sum(1 for user_id in list(chat.members) if (m := ctx.world.member(chat, user_id)) and m.is_present)


def _join_request(ctx: Context) -> tuple[Chat, User]:
    chat = _moderated_chat(ctx)
    ctx.world.require_right(chat, ctx.bot, "can_invite_users", bad_request(errors.NOT_ENOUGH_RIGHTS_TO_INVITE))
    user = ctx.user()
    if user.id not in chat.join_requests:
        raise bad_request(errors.HIDE_REQUESTER_MISSING)
    return chat, user


def approve_chat_join_request(ctx: Context) -> bool:
    chat, user = _join_request(ctx)
    request = chat.join_requests.pop(user.id)
    current = ctx.world.member(chat, user.id)
    if current is not None and current.is_present:
        raise bad_request(errors.USER_ALREADY_PARTICIPANT)
    old = member_snapshot(ctx.sim, chat, user)
    member = Member(user=user, status="member")
    chat.members[user.id] = member
    announce_join(ctx.sim, chat, user, user)
    route_member_change(
        ctx.sim, chat, ctx.bot.user, old, member, invite_link=request.invite_link, via_join_request=True
    )
    return True


def decline_chat_join_request(ctx: Context) -> bool:
    chat, user = _join_request(ctx)
    chat.join_requests.pop(user.id)
    return True
