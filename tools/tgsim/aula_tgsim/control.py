"""The control API under /_sim: set the scene, make things happen, look at what the bots did.

Every endpoint takes and returns JSON; refusals are `{"ok": false, "error": "..."}` with a 4xx status.
See tools/tgsim/README.md for the list; testing.SimClient wraps each endpoint in a method.
"""

from __future__ import annotations

from typing import Any

import orjson
from flask import Blueprint, Response, request

from aula_tgsim import updates
from aula_tgsim.errors import ControlError
from aula_tgsim.model import DEFAULT_BOT_ADMIN_RIGHTS, DEFAULT_CHAT_PERMISSIONS, PERMISSIONS, Bot, Chat, Member, User
from aula_tgsim.simulator import Simulator
from aula_tgsim.world import effective_until

CHAT_TYPES = ("private", "group", "supergroup", "channel")
STATUSES = ("creator", "administrator", "member", "restricted", "left", "kicked")


def _json(data: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(data), status=status, mimetype="application/json")


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True, force=True) if request.data else {}
    if body is None or not isinstance(body, dict):
        raise ControlError(400, "the body must be a JSON object")
    return body


def _need(body: dict[str, Any], name: str) -> Any:
    if body.get(name) is None:
        raise ControlError(400, f"{name} is required")
    return body[name]


# -- building the scene (also used by scenario files) -----------------------------------------------------------


def add_bot(sim: Simulator, spec: dict[str, Any]) -> Bot:
    token = str(_need(spec, "token"))
    bot_id, _, secret = token.partition(":")
    if not bot_id.isdigit() or not secret:
        raise ControlError(400, "a token looks like <bot id>:<secret>")
    user = User(
        id=int(bot_id),
        first_name=spec.get("first_name") or "Aula Bot",
        is_bot=True,
        username=spec.get("username") or f"aula{bot_id}_bot",
    )
    bot = Bot(
        user=user,
        token=token,
        can_join_groups=spec.get("can_join_groups", True),
        can_read_all_group_messages=spec.get("can_read_all_group_messages", True),
    )
    return sim.world.add_bot(bot)


def add_user(sim: Simulator, spec: dict[str, Any]) -> User:
    user = User(
        id=int(_need(spec, "id")),
        first_name=str(spec.get("first_name") or f"User{spec['id']}"),
        is_bot=bool(spec.get("is_bot", False)),
        last_name=spec.get("last_name"),
        username=spec.get("username"),
        language_code=spec.get("language_code"),
        is_premium=bool(spec.get("is_premium", False)),
    )
    return sim.world.add_user(user)


def add_chat(sim: Simulator, spec: dict[str, Any]) -> Chat:
    chat_type = spec.get("type", "supergroup")
    if chat_type not in CHAT_TYPES:
        raise ControlError(400, f"type must be one of {', '.join(CHAT_TYPES)}")
    chat_id = int(_need(spec, "id"))
    if chat_type != "private" and chat_id >= 0:
        raise ControlError(400, "group, supergroup and channel ids are negative")
    permissions = dict(DEFAULT_CHAT_PERMISSIONS)
    permissions.update({k: bool(v) for k, v in (spec.get("permissions") or {}).items() if k in PERMISSIONS})
    chat = Chat(
        id=chat_id,
        type=chat_type,
        title=spec.get("title") or (None if chat_type == "private" else f"Chat {chat_id}"),
        username=spec.get("username"),
        first_name=spec.get("first_name"),
        last_name=spec.get("last_name"),
        description=spec.get("description"),
        invite_link=spec.get("invite_link"),
        permissions=permissions,
        is_forum=bool(spec.get("is_forum", False)),
        slow_mode_delay=int(spec.get("slow_mode_delay", 0)),
    )
    sim.world.add_chat(chat)
    if spec.get("photo"):
        set_chat_photo(sim, chat, spec["photo"])
    for member in spec.get("members") or []:
        set_member(sim, chat, int(_need(member, "user_id")), member)
    return chat


def set_chat_photo(sim: Simulator, chat: Chat, spec: Any) -> dict[str, str]:
    """`true` or `{}` for a new photo with made-up ids; or `{small_file_id?, big_file_unique_id?, …, size?}`."""
    if spec is True:
        spec = {}
    if not isinstance(spec, dict):
        raise ControlError(400, "photo must be true or an object")
    if chat.type == "private":
        raise ControlError(400, "only group, supergroup and channel photos are simulated")
    if not 0 <= int(spec.get("size", 0)) <= 20 * 1024 * 1024:
        raise ControlError(400, "size must be between 0 and 20 MB (Telegram's download limit)")
    return sim.world.set_chat_photo(chat, spec)


def set_member(sim: Simulator, chat: Chat, user_id: int, spec: dict[str, Any]) -> Member:
    if spec.get("user"):
        add_user(sim, {"id": user_id, **spec["user"]})
    user = sim.world.user(user_id)
    if user is None:
        raise ControlError(404, f'unknown user {user_id}; create it with POST /_sim/users or pass "user"')
    status = spec.get("status", "member")
    if status not in STATUSES:
        raise ControlError(400, f"status must be one of {', '.join(STATUSES)}")
    member = Member(user=user, status=status, custom_title=spec.get("custom_title"))
    if status == "administrator":
        rights = spec.get("rights")
        member.rights = dict(DEFAULT_BOT_ADMIN_RIGHTS if rights is None else {k: bool(v) for k, v in rights.items()})
        member.promoted_by = spec.get("promoted_by")
    if status == "restricted":
        member.permissions = {name: bool((spec.get("permissions") or {}).get(name, False)) for name in PERMISSIONS}
        member.is_member = bool(spec.get("is_member", True))
    if status in ("restricted", "kicked"):
        member.until_date = effective_until(sim.world.now(), spec.get("until_date"))
    chat.members[user.id] = member
    return member


def load_scenario(sim: Simulator, scenario: dict[str, Any]) -> dict[str, Any]:
    """Bots, users and chats (with members) in one document; see tools/tgsim/README.md for its shape."""
    if scenario.get("reset"):
        sim.reset(scenario.get("config"))
    elif scenario.get("config"):
        sim.config.update(scenario["config"])
    bots = [add_bot(sim, spec).get_me() for spec in scenario.get("bots") or []]
    users = [add_user(sim, spec).to_json() for spec in scenario.get("users") or []]
    chats = [add_chat(sim, spec).full_json() for spec in scenario.get("chats") or []]
    return {"bots": bots, "users": users, "chats": chats}


def _chat(sim: Simulator, chat_id: int) -> Chat:
    chat = sim.world.chats.get(chat_id)
    if chat is None:
        raise ControlError(404, f"unknown chat {chat_id}")
    return chat


def _message_json(message) -> dict[str, Any]:
    return {
        "message_id": message.message_id,
        "sender_id": message.sender_id,
        "date": message.date,
        "deleted": message.deleted,
        "service": message.service,
        "message": message.payload,
    }


def blueprint(sim: Simulator) -> Blueprint:
    bp = Blueprint("sim_control", __name__, url_prefix="/_sim")

    @bp.errorhandler(ControlError)
    def _refused(error: ControlError) -> Response:
        return _json({"ok": False, "error": error.message}, error.status)

    @bp.errorhandler(ValueError)
    @bp.errorhandler(TypeError)
    @bp.errorhandler(KeyError)
    def _malformed(error: Exception) -> Response:
        return _json({"ok": False, "error": f"malformed request: {error}"}, 400)

    @bp.post("/reset")
    def reset() -> Response:
        sim.reset(_body().get("config"))
        return _json({"ok": True, "config": sim.config.to_json()})

    @bp.get("/config")
    def get_config() -> Response:
        return _json(sim.config.to_json())

    @bp.patch("/config")
    def patch_config() -> Response:
        with sim.lock:
            sim.config.update(_body())
            return _json(sim.config.to_json())

    @bp.get("/clock")
    def get_clock() -> Response:
        return _json({"now": sim.world.now(), "offset": sim.world.clock.offset})

    @bp.post("/clock")
    def move_clock() -> Response:
        with sim.lock:
            sim.world.clock.advance(float(_body().get("advance", 0)))
            return _json({"now": sim.world.now(), "offset": sim.world.clock.offset})

    @bp.post("/scenario")
    def scenario() -> Response:
        with sim.lock:
            return _json(load_scenario(sim, _body()))

    @bp.post("/bots")
    def post_bot() -> Response:
        with sim.lock:
            return _json(add_bot(sim, _body()).get_me(), 201)

    @bp.get("/bots")
    def get_bots() -> Response:
        with sim.lock:
            return _json([bot.get_me() for bot in sim.world.bots.values()])

    @bp.post("/users")
    def post_user() -> Response:
        with sim.lock:
            return _json(add_user(sim, _body()).to_json(), 201)

    @bp.post("/users/<int:user_id>/block")
    def block(user_id: int) -> Response:
        with sim.lock:
            return _json(updates.set_blocked(sim, user_id, int(_need(_body(), "bot_id")), True))

    @bp.post("/users/<int:user_id>/unblock")
    def unblock(user_id: int) -> Response:
        with sim.lock:
            return _json(updates.set_blocked(sim, user_id, int(_need(_body(), "bot_id")), False))

    @bp.post("/chats")
    def post_chat() -> Response:
        with sim.lock:
            return _json(add_chat(sim, _body()).full_json(), 201)

    @bp.get("/chats/<int(signed=True):chat_id>")
    def get_chat(chat_id: int) -> Response:
        with sim.lock:
            chat = _chat(sim, chat_id)
            members = [m.to_json() for uid in list(chat.members) if (m := sim.world.member(chat, uid))]
            return _json({**chat.full_json(), "migrated_to": chat.migrated_to, "members": members})

    @bp.put("/chats/<int(signed=True):chat_id>/photo")
    def put_photo(chat_id: int) -> Response:
        with sim.lock:
            return _json(set_chat_photo(sim, _chat(sim, chat_id), _body()))

    @bp.delete("/chats/<int(signed=True):chat_id>/photo")
    def delete_photo(chat_id: int) -> Response:
        with sim.lock:
            sim.world.set_chat_photo(_chat(sim, chat_id), None)
            return _json({"ok": True})

    @bp.put("/chats/<int(signed=True):chat_id>/members/<int:user_id>")
    def put_member(chat_id: int, user_id: int) -> Response:
        with sim.lock:
            return _json(set_member(sim, _chat(sim, chat_id), user_id, _body()).to_json())

    @bp.get("/chats/<int(signed=True):chat_id>/members/<int:user_id>")
    def get_member(chat_id: int, user_id: int) -> Response:
        with sim.lock:
            member = sim.world.member(_chat(sim, chat_id), user_id)
            if member is None:
                raise ControlError(404, f"user {user_id} has no status in chat {chat_id}")
            return _json(member.to_json())

    @bp.get("/chats/<int(signed=True):chat_id>/messages")
    def get_messages(chat_id: int) -> Response:
        with sim.lock:
            messages = _chat(sim, chat_id).messages.values()
            return _json([_message_json(message) for message in messages])

    @bp.post("/chats/<int(signed=True):chat_id>/migrate")
    def migrate(chat_id: int) -> Response:
        with sim.lock:
            return _json(updates.migrate_group(sim, chat_id, _body().get("to_chat_id")))

    @bp.post("/faults")
    def post_fault() -> Response:
        with sim.lock:
            return _json(sim.faults.add(_body()).to_json(), 201)

    @bp.get("/faults")
    def get_faults() -> Response:
        with sim.lock:
            return _json(sim.faults.to_json())

    @bp.delete("/faults")
    def delete_faults() -> Response:
        with sim.lock:
            sim.faults.clear()
            return _json({"ok": True})

    @bp.get("/calls")
    def get_calls() -> Response:
        args = request.args
        calls = sim.calls.query(
            method=args.get("method"),
            bot_id=args.get("bot_id", type=int),
            chat_id=args.get("chat_id"),
            since=args.get("since", 0, type=int),
            limit=args.get("limit", type=int),
        )
        return _json({"calls": [call.to_json() for call in calls], "last_seq": sim.calls.last_seq()})

    @bp.delete("/calls")
    def delete_calls() -> Response:
        sim.calls.clear()
        return _json({"ok": True})

    @bp.post("/updates/message")
    def user_message() -> Response:
        body = _body()
        with sim.lock:
            result = updates.user_says(
                sim,
                int(_need(body, "chat_id")),
                int(_need(body, "user_id")),
                str(_need(body, "text")),
                bot_id=body.get("bot_id"),
                reply_to_message_id=body.get("reply_to_message_id"),
                message_thread_id=body.get("message_thread_id"),
                entities=body.get("entities"),
            )
        return _json(result)

    @bp.post("/updates/join")
    def join() -> Response:
        body = _body()
        with sim.lock:
            result = updates.user_joins(
                sim,
                int(_need(body, "chat_id")),
                int(_need(body, "user_id")),
                by=body.get("by"),
                invite_link=body.get("invite_link"),
                status=body.get("status", "member"),
                rights=body.get("rights"),
            )
        return _json(result)

    @bp.post("/updates/leave")
    def leave() -> Response:
        body = _body()
        with sim.lock:
            result = updates.user_leaves(
                sim, int(_need(body, "chat_id")), int(_need(body, "user_id")), by=body.get("by")
            )
        return _json(result)

    @bp.post("/updates/callback")
    def callback() -> Response:
        body = _body()
        with sim.lock:
            result = updates.press_button(
                sim,
                int(_need(body, "chat_id")),
                int(_need(body, "message_id")),
                int(_need(body, "user_id")),
                body.get("data"),
            )
        return _json(result)

    @bp.post("/updates/join_request")
    def join_request() -> Response:
        body = _body()
        with sim.lock:
            result = updates.request_join(
                sim,
                int(_need(body, "chat_id")),
                int(_need(body, "user_id")),
                bio=body.get("bio"),
                invite_link=body.get("invite_link"),
            )
        return _json(result)

    @bp.post("/updates/raw")
    def raw_update() -> Response:
        """Deliver any Update body (e.g. a fixture file) to one bot; its update_id is replaced by the bot's next."""
        body = _body()
        with sim.lock:
            bot_id = int(_need(body, "bot_id"))
            if bot_id not in sim.world.bots:
                raise ControlError(404, f"unknown bot {bot_id}")
            update = dict(_need(body, "update"))
            update.pop("update_id", None)
            if len(update) != 1:
                raise ControlError(400, "an update carries exactly one object besides update_id")
            ((kind, payload),) = update.items()
            update_id = sim.mailbox(bot_id).push(kind, payload)
        return _json(
            {"updates": [] if update_id is None else [{"bot_id": bot_id, "update_id": update_id, "type": kind}]}
        )

    @bp.get("/callback_queries/<query_id>")
    def get_callback_query(query_id: str) -> Response:
        with sim.lock:
            query = sim.world.callback_queries.get(query_id)
            if query is None:
                raise ControlError(404, f"unknown callback query {query_id}")
            return _json({"id": query.id, "bot_id": query.bot_id, "data": query.data, "answer": query.answer})

    @bp.get("/webhooks/<int:bot_id>")
    def webhook_state(bot_id: int) -> Response:
        return _json(sim.mailbox(bot_id).state())

    @bp.post("/wait")
    def wait() -> Response:
        body = _body()
        bot_id = body.get("bot_id")
        idle = sim.wait_delivered(None if bot_id is None else int(bot_id), float(body.get("timeout", 10)))
        return _json({"idle": idle})

    return bp
