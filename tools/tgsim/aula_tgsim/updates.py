"""Things that happen in Telegram without a bot asking: users write, join, leave, press buttons, ask to join.

Each function changes the world the way Telegram would and delivers the resulting updates (service messages,
chat_member, my_chat_member...) through routing. They back the control API's /_sim/updates/... endpoints and
the side effects of Bot API calls (a ban posts the "removed" service message). Callers hold the simulator lock.
Each returns {"message": ..., "updates": [{"bot_id", "update_id", "type"}]} (message when one was created).
"""

from __future__ import annotations

import copy
import hashlib
from typing import TYPE_CHECKING, Any

from aula_tgsim.errors import ApiError, ControlError
from aula_tgsim.model import Chat, JoinRequest, Member, Message, User
from aula_tgsim.routing import member_snapshot, route_member_change, route_message, route_to_admins, route_to_bot
from aula_tgsim.text import automatic_entities
from aula_tgsim.world import CallbackQuery

if TYPE_CHECKING:
    from aula_tgsim.simulator import Simulator

GROUP_ANONYMOUS_BOT = User(id=1087968824, first_name="Group", is_bot=True, username="GroupAnonymousBot")


def _user(sim: Simulator, user_id: int) -> User:
    user = sim.world.user(int(user_id))
    if user is None:
        raise ControlError(404, f"unknown user {user_id}; create it with POST /_sim/users")
    return user


def _chat(sim: Simulator, chat_id: int) -> Chat:
    try:
        return sim.world.chat_for(int(chat_id))
    except ApiError as error:
        raise ControlError(
            404 if error.error_code == 400 and "not found" in error.description else 409, error.description
        ) from None


def post_service_message(
    sim: Simulator, chat: Chat, actor: User, fields: dict[str, Any]
) -> tuple[Message, list[dict[str, Any]]]:
    payload: dict[str, Any] = {
        "message_id": chat.allocate_message_id(),
        "from": actor.to_json(),
        "chat": chat.short_json(),
    }
    payload["date"] = sim.world.now()
    payload.update(fields)
    message = sim.world.store_message(chat, actor.id, payload, service=True)
    return message, route_message(sim, chat, message, actor)


def announce_join(sim: Simulator, chat: Chat, user: User, actor: User) -> tuple[Message, list[dict[str, Any]]]:
    joined = user.to_json()
    fields = {"new_chat_participant": joined, "new_chat_member": joined, "new_chat_members": [joined]}
    return post_service_message(sim, chat, actor, fields)


def announce_leave(sim: Simulator, chat: Chat, user: User, actor: User) -> tuple[Message, list[dict[str, Any]]]:
    left = user.to_json()
    return post_service_message(sim, chat, actor, {"left_chat_participant": left, "left_chat_member": left})


def _result(message: Message | None, deliveries: list[dict[str, Any]]) -> dict[str, Any]:
    return {"message": None if message is None else message.payload, "updates": deliveries}


def user_says(
    sim: Simulator,
    chat_id: int,
    user_id: int,
    text: str,
    *,
    bot_id: int | None = None,
    reply_to_message_id: int | None = None,
    message_thread_id: int | None = None,
    entities: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """User `user_id` sends `text` in `chat_id` (a group, or — with bot_id — the private chat with that bot)."""
    user = _user(sim, user_id)
    world = sim.world
    private_bot = None
    if int(chat_id) == user.id:
        if bot_id is None or int(bot_id) not in world.bots:
            raise ControlError(400, "a private message needs the bot_id of the bot it is sent to")
        private_bot = world.bots[int(bot_id)]
        chat = world.private_chat(user)
        world.started.add((user.id, private_bot.id))
        if (user.id, private_bot.id) in world.blocked:
            raise ControlError(409, f"user {user.id} has blocked bot {private_bot.id}; unblock it first")
    else:
        chat = _chat(sim, chat_id)
        member = world.member(chat, user.id)
        if member is None or not member.is_present:
            raise ControlError(409, f"user {user.id} is not a member of chat {chat.id}")
        if not member.is_admin:
            allowed = member.permissions if member.status == "restricted" else chat.permissions
            if not allowed.get("can_send_messages", False):
                raise ControlError(403, f"user {user.id} may not send messages in chat {chat.id} (restricted)")
    payload: dict[str, Any] = {
        "message_id": chat.allocate_message_id(),
        "from": user.to_json(),
        "chat": chat.short_json(),
    }
    payload["date"] = world.now()
    if message_thread_id:
        payload["message_thread_id"] = int(message_thread_id)
        if chat.is_forum:
            payload["is_topic_message"] = True
    if reply_to_message_id is not None:
        replied = world.live_message(chat, int(reply_to_message_id))
        if replied is None:
            raise ControlError(404, f"no message {reply_to_message_id} in chat {chat.id}")
        payload["reply_to_message"] = {
            key: value for key, value in replied.payload.items() if key != "reply_to_message"
        }
    payload["text"] = text
    found = automatic_entities(text) if entities is None else entities
    if found:
        payload["entities"] = found
    message = world.store_message(chat, user.id, payload)
    return _result(message, route_message(sim, chat, message, user, private_bot=private_bot))


def user_joins(
    sim: Simulator,
    chat_id: int,
    user_id: int,
    *,
    by: int | None = None,
    invite_link: dict[str, Any] | None = None,
    status: str = "member",
    rights: dict[str, bool] | None = None,
) -> dict[str, Any]:
    """User (or bot) `user_id` joins the chat, by link or added by `by`: service message and chat_member."""
    user = _user(sim, user_id)
    chat = _chat(sim, chat_id)
    current = sim.world.member(chat, user.id)
    if current is not None and current.is_present:
        raise ControlError(409, f"user {user.id} is already in chat {chat.id}")
    if current is not None and current.status == "kicked":
        raise ControlError(409, f"user {user.id} is banned from chat {chat.id}")
    actor = _user(sim, by) if by is not None else user
    old = member_snapshot(sim, chat, user)
    member = Member(user=user, status=status, rights=dict(rights or {}))
    chat.members[user.id] = member
    message, deliveries = announce_join(sim, chat, user, actor)
    deliveries += route_member_change(sim, chat, actor, old, member, invite_link=invite_link)
    return _result(message, deliveries)


def user_leaves(sim: Simulator, chat_id: int, user_id: int, *, by: int | None = None) -> dict[str, Any]:
    """User `user_id` leaves the chat, or is removed by admin `by` (in supergroups removal is a ban)."""
    user = _user(sim, user_id)
    chat = _chat(sim, chat_id)
    current = sim.world.member(chat, user.id)
    if current is None or not current.is_present:
        raise ControlError(409, f"user {user.id} is not in chat {chat.id}")
    if current.status == "creator":
        raise ControlError(409, "the creator cannot leave in the simulator")
    actor = _user(sim, by) if by is not None else user
    old = member_snapshot(sim, chat, user)
    removed = by is not None and chat.type in ("supergroup", "channel")
    member = Member(user=user, status="kicked" if removed else "left")
    chat.members[user.id] = member
    message, deliveries = announce_leave(sim, chat, user, actor)
    deliveries += route_member_change(sim, chat, actor, old, member)
    return _result(message, deliveries)


def press_button(
    sim: Simulator, chat_id: int, message_id: int, user_id: int, data: str | None = None
) -> dict[str, Any]:
    """User presses an inline button of a bot's message: a callback_query for that bot."""
    user = _user(sim, user_id)
    chat = sim.world.private_chat(user) if int(chat_id) == user.id else _chat(sim, chat_id)
    message = sim.world.live_message(chat, int(message_id))
    if message is None:
        raise ControlError(404, f"no message {message_id} in chat {chat.id}")
    bot = sim.world.bots.get(message.sender_id)
    if bot is None:
        raise ControlError(409, f"message {message_id} was not sent by a bot")
    buttons = [b for row in (message.payload.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]
    callback_data = [b["callback_data"] for b in buttons if "callback_data" in b]
    if data is None:
        if not callback_data:
            raise ControlError(409, f"message {message_id} has no callback button")
        data = callback_data[0]
    query_id = sim.world.new_callback_query_id()
    sim.world.callback_queries[query_id] = CallbackQuery(
        id=query_id,
        bot_id=bot.id,
        user_id=user.id,
        chat_id=chat.id,
        message_id=message.message_id,
        data=data,
        date=sim.world.now(),
    )
    chat_instance = str(int(hashlib.sha256(f"{chat.id}:{bot.id}".encode()).hexdigest()[:15], 16) - 2**59)
    payload = {
        "id": query_id,
        "from": user.to_json(),
        "message": message.payload,
        "chat_instance": chat_instance,
        "data": data,
    }
    result = _result(None, route_to_bot(sim, bot, "callback_query", payload))
    result["callback_query_id"] = query_id
    return result


def request_join(
    sim: Simulator, chat_id: int, user_id: int, *, bio: str | None = None, invite_link: dict[str, Any] | None = None
) -> dict[str, Any]:
    """User asks to join through a join-request link: chat_join_request to admins that can invite users."""
    user = _user(sim, user_id)
    chat = _chat(sim, chat_id)
    current = sim.world.member(chat, user.id)
    if current is not None and current.is_present:
        raise ControlError(409, f"user {user.id} is already in chat {chat.id}")
    now = sim.world.now()
    chat.join_requests[user.id] = JoinRequest(user=user, date=now, bio=bio, invite_link=invite_link)
    payload: dict[str, Any] = {"chat": chat.short_json(), "from": user.to_json(), "user_chat_id": user.id, "date": now}
    if bio:
        payload["bio"] = bio
    if invite_link:
        payload["invite_link"] = invite_link
    return _result(None, route_to_admins(sim, chat, "can_invite_users", "chat_join_request", payload))


def set_blocked(sim: Simulator, user_id: int, bot_id: int, blocked: bool) -> dict[str, Any]:
    """User blocks (or unblocks) a bot in private: my_chat_member member <-> kicked for that bot."""
    user = _user(sim, user_id)
    bot = sim.world.bots.get(int(bot_id))
    if bot is None:
        raise ControlError(404, f"unknown bot {bot_id}")
    key = (user.id, bot.id)
    if (key in sim.world.blocked) == blocked:
        return _result(None, [])
    chat = sim.world.private_chat(user)
    if blocked:
        sim.world.blocked.add(key)
    else:
        sim.world.blocked.discard(key)
        sim.world.started.add(key)
    before, after = ("member", "kicked") if blocked else ("kicked", "member")
    bot_user = bot.user
    payload = {
        "chat": chat.short_json(),
        "from": user.to_json(),
        "date": sim.world.now(),
        "old_chat_member": Member(user=bot_user, status=before).to_json(),
        "new_chat_member": Member(user=bot_user, status=after).to_json(),
    }
    return _result(None, route_to_bot(sim, bot, "my_chat_member", payload))


def migrate_group(sim: Simulator, chat_id: int, to_chat_id: int | None = None) -> dict[str, Any]:
    """A basic group becomes a supergroup: a new chat id, service messages on both sides, the old id refused."""
    chat = _chat(sim, chat_id)
    if chat.type != "group":
        raise ControlError(409, f"chat {chat.id} is a {chat.type}, only basic groups migrate")
    new_id = int(to_chat_id) if to_chat_id is not None else int(f"-100{abs(chat.id)}")
    if new_id in sim.world.chats:
        raise ControlError(409, f"chat {new_id} already exists")
    supergroup = Chat(
        id=new_id,
        type="supergroup",
        title=chat.title,
        description=chat.description,
        permissions=dict(chat.permissions),
        members=copy.deepcopy(chat.members),
    )
    sim.world.add_chat(supergroup)
    creator = next((m.user for m in chat.members.values() if m.status == "creator"), GROUP_ANONYMOUS_BOT)
    _old_side, deliveries = post_service_message(sim, chat, creator, {"migrate_to_chat_id": new_id})
    chat.migrated_to = new_id
    fields = {"sender_chat": supergroup.short_json(), "migrate_from_chat_id": chat.id}
    _new_side, more = post_service_message(sim, supergroup, GROUP_ANONYMOUS_BOT, fields)
    return {"chat": supergroup.full_json(), "updates": deliveries + more}
