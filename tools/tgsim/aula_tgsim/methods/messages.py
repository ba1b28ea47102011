"""Methods that send, change or remove messages."""

from __future__ import annotations

import hashlib
from typing import Any

from aula_tgsim import errors
from aula_tgsim.context import Context
from aula_tgsim.errors import bad_request
from aula_tgsim.model import Chat, Member, Message
from aula_tgsim.text import MAX_TEXT_LENGTH, formatted_text, utf16_length
from aula_tgsim.world import CALLBACK_QUERY_LIFETIME_SECONDS, DELETE_WINDOW_SECONDS

# Message fields that describe the message itself rather than its content; not copied by forward/copy.
_ENVELOPE_FIELDS = frozenset(
    {
        "message_id",
        "from",
        "sender_chat",
        "chat",
        "date",
        "edit_date",
        "message_thread_id",
        "is_topic_message",
        "reply_to_message",
        "reply_markup",
        "forward_origin",
        "forward_from",
        "forward_from_chat",
        "forward_from_message_id",
        "forward_signature",
        "forward_sender_name",
        "forward_date",
        "is_automatic_forward",
    }
)
_UNDELETABLE_SERVICE = ("group_chat_created", "supergroup_chat_created", "channel_chat_created", "forum_topic_created")
_SERVICE_FIELDS = frozenset(
    {
        "new_chat_members",
        "left_chat_member",
        "new_chat_title",
        "new_chat_photo",
        "delete_chat_photo",
        "pinned_message",
        "migrate_to_chat_id",
        "migrate_from_chat_id",
        *_UNDELETABLE_SERVICE,
    }
)


def _require_sending(ctx: Context, chat: Chat) -> Member | None:
    member = ctx.world.require_access(chat, ctx.bot, sending=True)
    if not ctx.world.may_send_text(chat, member):
        if chat.type == "channel":
            raise bad_request("need administrator rights in the channel chat")
        raise bad_request(errors.NOT_ENOUGH_RIGHTS_TO_SEND_TEXT)
    return member


def _reply_markup(ctx: Context) -> dict[str, Any] | None:
    markup = ctx.params.json("reply_markup")
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    for row in markup.get("inline_keyboard") or []:
        for button in row:
            if "callback_data" in button:
                size = len(str(button["callback_data"]).encode())
                if not 1 <= size <= 64:
                    raise bad_request(errors.BUTTON_DATA_INVALID)
            if not button.get("text"):
                raise bad_request("text buttons are unallowed in the inline keyboard")
    return markup


def _replied_message(ctx: Context, chat: Chat) -> dict[str, Any] | None:
    reply_parameters = ctx.params.json("reply_parameters")
    if isinstance(reply_parameters, dict):
        message_id = reply_parameters.get("message_id")
        allow_missing = bool(reply_parameters.get("allow_sending_without_reply"))
    else:
        message_id = ctx.params.int("reply_to_message_id")
        allow_missing = ctx.params.bool("allow_sending_without_reply")
    if message_id is None:
        return None
    replied = ctx.world.live_message(chat, int(message_id))
    if replied is None:
        if allow_missing:
            return None
        raise bad_request(errors.REPLY_NOT_FOUND)
    return {key: value for key, value in replied.payload.items() if key != "reply_to_message"}


def _new_message(ctx: Context, chat: Chat) -> dict[str, Any]:
    """The envelope of a message the bot sends in `chat`: id, sender, chat, date, thread and reply."""
    payload: dict[str, Any] = {"message_id": chat.allocate_message_id()}
    if chat.type == "channel":
        payload["sender_chat"] = chat.short_json()
    else:
        payload["from"] = ctx.bot.user.to_json()
    payload["chat"] = chat.short_json()
    payload["date"] = ctx.now
    thread_id = ctx.params.int("message_thread_id")
    if thread_id:
        payload["message_thread_id"] = thread_id
        if chat.is_forum:
            payload["is_topic_message"] = True
    replied = _replied_message(ctx, chat)
    if replied is not None:
        payload["reply_to_message"] = replied
    return payload


def _text_and_entities(ctx: Context, name: str = "text") -> tuple[str, list[dict[str, Any]]]:
    raw = ctx.params.str(name)
    if not raw:
        raise bad_request(errors.MESSAGE_TEXT_EMPTY)
    text, entities = formatted_text(raw, ctx.params.str("parse_mode"), ctx.params.json("entities"))
    if not text.strip():
        raise bad_request(errors.MESSAGE_TEXT_EMPTY)
    if utf16_length(text) > MAX_TEXT_LENGTH:
        raise bad_request(errors.MESSAGE_TOO_LONG)
    return text, entities


def _store(ctx: Context, chat: Chat, payload: dict[str, Any]) -> dict[str, Any]:
    ctx.world.store_message(chat, ctx.bot.id, payload)
    return payload


def send_message(ctx: Context) -> dict[str, Any]:
    chat = ctx.chat()
    _require_sending(ctx, chat)
    text, entities = _text_and_entities(ctx)
    markup = _reply_markup(ctx)
    payload = _new_message(ctx, chat)
    payload["text"] = text
    if entities:
        payload["entities"] = entities
    if markup is not None and "inline_keyboard" in markup:
        payload["reply_markup"] = markup
    return _store(ctx, chat, payload)


def _send_file(kind: str):
    """sendPhoto, sendDocument, ...: the file is taken as an id or URL; nothing is uploaded or fetched."""

    def send(ctx: Context) -> dict[str, Any]:
        chat = ctx.chat()
        _require_sending(ctx, chat)
        file_ref = ctx.params.str(kind)
        if not file_ref:
            raise bad_request(f"there is no {kind} in the request")
        digest = hashlib.sha256(file_ref.encode()).hexdigest()
        file = {
            "file_id": file_ref if len(file_ref) < 100 else digest,
            "file_unique_id": digest[:16],
            "file_size": 2048,
        }
        payload = _new_message(ctx, chat)
        payload[kind] = [{**file, "width": 320, "height": 240}] if kind == "photo" else file
        caption = ctx.params.str("caption")
        if caption:
            text, entities = formatted_text(caption, ctx.params.str("parse_mode"), ctx.params.json("caption_entities"))
            payload["caption"] = text
            if entities:
                payload["caption_entities"] = entities
        markup = _reply_markup(ctx)
        if markup is not None and "inline_keyboard" in markup:
            payload["reply_markup"] = markup
        return _store(ctx, chat, payload)

    return send


send_photo = _send_file("photo")
send_document = _send_file("document")
send_animation = _send_file("animation")
send_sticker = _send_file("sticker")


def edit_message_text(ctx: Context) -> dict[str, Any]:
    if ctx.params.str("inline_message_id"):
        raise bad_request(errors.MESSAGE_TO_EDIT_NOT_FOUND)  # inline messages are not simulated
    chat = ctx.chat()
    ctx.world.require_access(chat, ctx.bot)
    message = ctx.world.live_message(chat, ctx.params.required_int("message_id"))
    if message is None:
        raise bad_request(errors.MESSAGE_TO_EDIT_NOT_FOUND)
    if message.sender_id != ctx.bot.id or "text" not in message.payload:
        raise bad_request(errors.MESSAGE_CANT_BE_EDITED)
    text, entities = _text_and_entities(ctx)
    markup = _reply_markup(ctx)
    payload = message.payload
    if (
        text == payload.get("text")
        and entities == payload.get("entities", [])
        and markup == payload.get("reply_markup")
    ):
        raise bad_request(errors.MESSAGE_NOT_MODIFIED)
    payload["edit_date"] = ctx.now
    payload["text"] = text
    payload.pop("entities", None)
    if entities:
        payload["entities"] = entities
    payload.pop("reply_markup", None)  # an edit without reply_markup removes the inline keyboard
    if markup is not None and "inline_keyboard" in markup:
        payload["reply_markup"] = markup
    return payload


def _check_deletable(ctx: Context, chat: Chat, bot_member: Member | None, message: Message) -> None:
    if ctx.now - message.date > DELETE_WINDOW_SECONDS:
        raise bad_request(errors.MESSAGE_CANT_BE_DELETED)
    if any(field in message.payload for field in _UNDELETABLE_SERVICE):
        raise bad_request(errors.MESSAGE_CANT_BE_DELETED)
    if chat.type == "private" or message.sender_id == ctx.bot.id:
        return
    if bot_member is not None and (
        (chat.type == "group" and bot_member.is_admin) or bot_member.has_right("can_delete_messages")
    ):
        return
    raise bad_request(errors.MESSAGE_CANT_BE_DELETED)


def delete_message(ctx: Context) -> bool:
    chat = ctx.chat()
    bot_member = ctx.world.require_access(chat, ctx.bot)
    message = ctx.world.live_message(chat, ctx.params.required_int("message_id"))
    if message is None:
        raise bad_request(errors.MESSAGE_TO_DELETE_NOT_FOUND)
    _check_deletable(ctx, chat, bot_member, message)
    message.deleted = True
    return True


def delete_messages(ctx: Context) -> bool:
    chat = ctx.chat()
    bot_member = ctx.world.require_access(chat, ctx.bot)
    message_ids = ctx.params.json("message_ids")
    if not isinstance(message_ids, list) or not 1 <= len(message_ids) <= 100:
        raise bad_request("message_ids must be an array of 1-100 message identifiers")
    found = [m for m in (ctx.world.live_message(chat, int(i)) for i in message_ids) if m is not None]
    for message in found:  # all or nothing: check every message before deleting any
        _check_deletable(ctx, chat, bot_member, message)
    for message in found:
        message.deleted = True  # ids that cannot be found are skipped, as the Bot API documents
    return True


def _source_message(ctx: Context, not_found: str) -> Message:
    source_chat = ctx.chat("from_chat_id")
    ctx.world.require_access(source_chat, ctx.bot)
    message = ctx.world.live_message(source_chat, ctx.params.required_int("message_id"))
    if message is None:
        raise bad_request(not_found)
    return message


def _content(message: Message) -> dict[str, Any]:
    return {key: value for key, value in message.payload.items() if key not in _ENVELOPE_FIELDS}


def forward_message(ctx: Context) -> dict[str, Any]:
    chat = ctx.chat()
    _require_sending(ctx, chat)
    source = _source_message(ctx, errors.MESSAGE_TO_FORWARD_NOT_FOUND)
    if source.service:
        raise bad_request("message can't be forwarded")
    payload = _new_message(ctx, chat)
    sender = source.payload.get("from")
    if sender is not None:
        payload["forward_origin"] = {"type": "user", "sender_user": sender, "date": source.date}
        payload["forward_from"] = sender
    else:
        origin_chat = source.payload.get("sender_chat") or source.payload["chat"]
        payload["forward_origin"] = {
            "type": "channel",
            "chat": origin_chat,
            "message_id": source.message_id,
            "date": source.date,
        }
        payload["forward_from_chat"] = origin_chat
        payload["forward_from_message_id"] = source.message_id
    payload["forward_date"] = source.date
    payload.update(_content(source))
    return _store(ctx, chat, payload)


def copy_message(ctx: Context) -> dict[str, Any]:
    chat = ctx.chat()
    _require_sending(ctx, chat)
    source = _source_message(ctx, errors.MESSAGE_TO_COPY_NOT_FOUND)
    if source.service:
        raise bad_request("message can't be copied")
    payload = _new_message(ctx, chat)
    payload.update(_content(source))
    caption = ctx.params.str("caption")
    if caption is not None and "text" not in payload:
        payload["caption"] = caption
    markup = _reply_markup(ctx)
    if markup is not None and "inline_keyboard" in markup:
        payload["reply_markup"] = markup
    _store(ctx, chat, payload)
    return {"message_id": payload["message_id"]}


def answer_callback_query(ctx: Context) -> bool:
    query_id = ctx.params.str("callback_query_id", required=True)
    query = ctx.world.callback_queries.get(query_id or "")
    if (
        query is None
        or query.bot_id != ctx.bot.id
        or query.answer is not None
        or ctx.now - query.date > CALLBACK_QUERY_LIFETIME_SECONDS
    ):
        raise bad_request(errors.QUERY_TOO_OLD)
    query.answer = {
        "text": ctx.params.str("text"),
        "show_alert": ctx.params.bool("show_alert"),
        "url": ctx.params.str("url"),
        "cache_time": ctx.params.int("cache_time", 0),
    }
    return True


def send_chat_action(ctx: Context) -> bool:
    chat = ctx.chat()
    ctx.world.require_access(chat, ctx.bot, sending=True)
    return True


def pin_chat_message(ctx: Context) -> bool:
    chat = ctx.chat()
    if chat.type != "private":
        ctx.world.require_right(
            chat, ctx.bot, "can_pin_messages", bad_request("not enough rights to manage pinned messages in the chat")
        )
    if ctx.world.live_message(chat, ctx.params.required_int("message_id")) is None:
        raise bad_request("message to pin not found")
    return True


def unpin_chat_message(ctx: Context) -> bool:
    chat = ctx.chat()
    if chat.type != "private":
        ctx.world.require_right(
            chat, ctx.bot, "can_pin_messages", bad_request("not enough rights to manage pinned messages in the chat")
        )
    return True


def is_service(payload: dict[str, Any]) -> bool:
    return any(field in payload for field in _SERVICE_FIELDS)
