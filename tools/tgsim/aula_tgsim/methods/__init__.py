"""The Bot API methods the simulator answers. Names are matched case-insensitively, as Telegram does."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aula_shared.telegram.limits import counts_as_sending  # what Telegram counts as sending: one list
from aula_tgsim.context import Context
from aula_tgsim.methods import bots, chats, members, messages


@dataclass(frozen=True)
class Method:
    name: str
    handler: Callable[[Context], Any]

    @property
    def sends(self) -> bool:
        """Counted by flood control (see ratelimit.py)."""
        return counts_as_sending(self.name)


_ALL = (
    Method("getMe", bots.get_me),
    Method("setWebhook", bots.set_webhook),
    Method("deleteWebhook", bots.delete_webhook),
    Method("getWebhookInfo", bots.get_webhook_info),
    Method("getUpdates", bots.get_updates),
    Method("setMyCommands", bots.set_my_commands),
    Method("getMyCommands", bots.get_my_commands),
    Method("deleteMyCommands", bots.delete_my_commands),
    Method("getFile", bots.get_file),
    Method("sendMessage", messages.send_message),
    Method("sendPhoto", messages.send_photo),
    Method("sendDocument", messages.send_document),
    Method("sendAnimation", messages.send_animation),
    Method("sendSticker", messages.send_sticker),
    Method("editMessageText", messages.edit_message_text),
    Method("deleteMessage", messages.delete_message),
    Method("deleteMessages", messages.delete_messages),
    Method("forwardMessage", messages.forward_message),
    Method("copyMessage", messages.copy_message),
    Method("answerCallbackQuery", messages.answer_callback_query),
    Method("sendChatAction", messages.send_chat_action),
    Method("pinChatMessage", messages.pin_chat_message),
    Method("unpinChatMessage", messages.unpin_chat_message),
    Method("banChatMember", members.ban_chat_member),
    Method("unbanChatMember", members.unban_chat_member),
    Method("restrictChatMember", members.restrict_chat_member),
    Method("promoteChatMember", members.promote_chat_member),
    Method("setChatAdministratorCustomTitle", members.set_chat_administrator_custom_title),
    Method("getChatMember", members.get_chat_member),
    Method("getChatAdministrators", members.get_chat_administrators),
    Method("getChatMemberCount", members.get_chat_member_count),
    Method("approveChatJoinRequest", members.approve_chat_join_request),
    Method("declineChatJoinRequest", members.decline_chat_join_request),
    Method("getChat", chats.get_chat),
    Method("leaveChat", chats.leave_chat),
    Method("exportChatInviteLink", chats.export_chat_invite_link),
    Method("createChatInviteLink", chats.create_chat_invite_link),
    Method("revokeChatInviteLink", chats.revoke_chat_invite_link),
    Method("setChatPermissions", chats.set_chat_permissions),
    Method("setChatTitle", chats.set_chat_title),
    Method("setChatDescription", chats.set_chat_description),
)

_BY_NAME = {method.name.lower(): method for method in _ALL}


def lookup(name: str) -> Method | None:
    return _BY_NAME.get(name.lower())


def names() -> list[str]:
    return [method.name for method in _ALL]
