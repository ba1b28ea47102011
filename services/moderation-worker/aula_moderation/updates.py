"""What kind of update this is: group or private, a command, an @admin call, an ordinary message."""

from __future__ import annotations

from telegram import Update

GROUP_TYPES = ("group", "supergroup")


def in_group(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type in GROUP_TYPES


def is_private(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type == "private"


def mentions_admin(update: Update) -> bool:
    message = update.effective_message
    if message is None or not message.text or not message.entities:
        return False
    return any(
        entity.type in ("mention", "bot_command", "hashtag") and message.parse_entity(entity)[1:].lower() == "admin"
        for entity in message.entities
    )


def is_plain_message(update: Update) -> bool:
    """An ordinary group message: no command, @admin call or service message; its writes may be buffered."""
    message = update.message
    return (
        _group_message(update)
        and not message.new_chat_members
        and message.left_chat_member is None
        and not message.migrate_to_chat_id
        and not message.migrate_from_chat_id
        and not is_command(update)
        and not mentions_admin(update)
    )


def _group_message(update: Update) -> bool:
    return update.message is not None and in_group(update)


def is_command(update: Update) -> bool:
    text = update.message.text if update.message is not None else None
    return bool(text) and text.startswith("/") and in_group(update) and not mentions_admin(update)


def is_admin_call(update: Update) -> bool:
    return _group_message(update) and mentions_admin(update)


def is_content_message(update: Update) -> bool:
    """A group message with content of its own, new or edited (an edit can bring in what a new message could
    not): not a join, a leave or a migration."""
    message = update.message or update.edited_message
    return (
        message is not None
        and in_group(update)
        and not message.new_chat_members
        and message.left_chat_member is None
        and not message.migrate_from_chat_id
        and not message.migrate_to_chat_id
    )


def callback_data(update: Update) -> str:
    """A button press's data ("" for anything else)."""
    query = update.callback_query
    return (query.data or "") if query is not None else ""


KINDS = ("message", "edited_message", "callback_query", "chat_member", "my_chat_member", "chat_join_request")


def kind_of(update: Update) -> str | None:
    """Which of the kinds the moderation worker subscribes to this update is (None for any other)."""
    for kind in KINDS:
        if getattr(update, kind, None) is not None:
            return kind
    return None
