"""Bot API errors, worded as Telegram words them.

Descriptions that appear in /work/shared/telegram-fixtures/responses are copied from there verbatim; the
others follow Telegram's style ("Bad Request: ...", "Forbidden: ...") and are marked "simulator wording".
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An unsuccessful Bot API answer: `{"ok": false, "error_code": ..., "description": ...}`."""

    def __init__(self, error_code: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error_code": self.error_code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(text: str) -> ApiError:
    return ApiError(400, f"Bad Request: {text}")


def forbidden(text: str) -> ApiError:
    return ApiError(403, f"Forbidden: {text}")


def too_many_requests(retry_after: int) -> ApiError:
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after})


def group_upgraded(migrate_to_chat_id: int) -> ApiError:
    return ApiError(
        400, "Bad Request: group chat was upgraded to a supergroup chat", {"migrate_to_chat_id": migrate_to_chat_id}
    )


UNAUTHORIZED = (401, "Unauthorized")
NOT_FOUND = (404, "Not Found")


def unauthorized() -> ApiError:
    return ApiError(*UNAUTHORIZED)


def not_found() -> ApiError:
    return ApiError(*NOT_FOUND)


# Verbatim (fixtures).
CHAT_NOT_FOUND = "chat not found"
MEMBER_NOT_FOUND = "member not found"
MESSAGE_TO_DELETE_NOT_FOUND = "message to delete not found"
MESSAGE_CANT_BE_DELETED = "message can't be deleted"
NOT_ENOUGH_RIGHTS_TO_RESTRICT = "not enough rights to restrict/unrestrict chat member"
NOT_ENOUGH_RIGHTS_TO_SEND_TEXT = "not enough rights to send text messages to the chat"
BOT_BLOCKED = "bot was blocked by the user"

# Simulator wording (Telegram's style; the exact text was not in the fixtures).
PARTICIPANT_ID_INVALID = "PARTICIPANT_ID_INVALID"
USER_NOT_FOUND = "user not found"
CANT_INITIATE = "bot can't initiate conversation with a user"
CANT_SEND_TO_BOTS = "bot can't send messages to bots"
MESSAGE_TEXT_EMPTY = "message text is empty"
MESSAGE_TOO_LONG = "message is too long"
MESSAGE_TO_EDIT_NOT_FOUND = "message to edit not found"
MESSAGE_CANT_BE_EDITED = "message can't be edited"
MESSAGE_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the same as a current "
    "content and reply markup of the message"
)
MESSAGE_TO_FORWARD_NOT_FOUND = "message to forward not found"
MESSAGE_TO_COPY_NOT_FOUND = "message to copy not found"
REPLY_NOT_FOUND = "message to be replied not found"
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
ONLY_SUPERGROUPS = "method is available only for supergroups"
CANT_REMOVE_OWNER = "can't remove chat owner"
USER_IS_ADMIN = "user is an administrator of the chat"
CANT_RESTRICT_SELF = "can't restrict self"
CANT_REMOVE_SELF = "can't remove self"
NOT_ENOUGH_RIGHTS = "not enough rights"
NOT_ENOUGH_RIGHTS_TO_PROMOTE = "not enough rights to promote chat members"
NOT_ENOUGH_RIGHTS_TO_INVITE = "not enough rights to manage chat invite link"
CANT_CHANGE_TITLE = "not enough rights to change custom title of the user"
ADMIN_RANK_EMOJI = "ADMIN_RANK_EMOJI_NOT_ALLOWED"
ADMIN_RANK_TOO_LONG = "ADMIN_RANK_INVALID"
USER_NOT_ADMIN = "user is not an administrator"
HIDE_REQUESTER_MISSING = "HIDE_REQUESTER_MISSING"
USER_ALREADY_PARTICIPANT = "USER_ALREADY_PARTICIPANT"
BUTTON_DATA_INVALID = "BUTTON_DATA_INVALID"
BOT_COMMAND_INVALID = "BOT_COMMAND_INVALID"
WEBHOOK_ACTIVE = "can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"


def kicked_from(chat_kind: str) -> ApiError:
    """403 when the bot was banned from a chat; chat_kind is "group", "supergroup" or "channel"."""
    return forbidden(f"bot was kicked from the {chat_kind} chat")


def not_a_member_of(chat_kind: str) -> ApiError:
    return forbidden(f"bot is not a member of the {chat_kind} chat")


class ControlError(Exception):
    """A refused control-API request (/_sim/...): answered as `{"ok": false, "error": message}`."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
