"""Messages: what bots send, edit, forward and delete, parameters as every client encodes them."""

from __future__ import annotations

import asyncio
import datetime as dt

import httpx
from telegram import Bot, ChatPermissions, InlineKeyboardButton, InlineKeyboardMarkup
from tgsim.conftest import ADA, BOB, BOT_ID, BOT_TOKEN, GROUP, api, ok

from aula_tgsim.testing import RunningSimulator, SimClient


def test_form_encoded_parameters_with_json_values(scene: SimClient, simulator: RunningSimulator) -> None:
    """What python-telegram-bot sends: a form whose non-string values are JSON strings."""
    until = scene.now() + 7200
    response = httpx.post(
        f"{simulator.url}/bot{BOT_TOKEN}/restrictChatMember",
        data={
            "chat_id": str(GROUP),
            "user_id": str(ADA),
            "permissions": '{"can_send_messages": false, "can_send_polls": true}',
            "until_date": str(until),
            "use_independent_chat_permissions": "true",
        },
    )
    assert response.json() == {"ok": True, "result": True}
    restricted = ok(scene, "getChatMember", chat_id=GROUP, user_id=ADA)
    assert restricted["until_date"] == until and restricted["can_send_polls"] and not restricted["can_send_messages"]
    logged = scene.calls(method="restrictChatMember")[-1]["params"]
    assert logged["permissions"] == {"can_send_messages": False, "can_send_polls": True}
    assert logged["until_date"] == until and logged["user_id"] == ADA


def test_query_string_multipart_and_strings_that_look_like_numbers(
    scene: SimClient, simulator: RunningSimulator
) -> None:
    member = httpx.get(f"{simulator.url}/bot{BOT_TOKEN}/getChatMember", params={"chat_id": GROUP, "user_id": BOB})
    assert member.json()["result"]["status"] == "member"
    sent = httpx.post(
        f"{simulator.url}/bot{BOT_TOKEN}/sendMessage",
        data={"chat_id": str(GROUP), "text": "123"},
        files={"unused": ("a.txt", b"x")},
    ).json()["result"]
    assert sent["text"] == "123"  # a text of digits stays a string


def test_python_telegram_bot_round_trip(scene: SimClient, simulator: RunningSimulator) -> None:
    async def moderate() -> tuple:
        async with Bot(BOT_TOKEN, base_url=f"{simulator.url}/bot") as bot:
            until = dt.datetime.fromtimestamp(scene.now() + 3600, tz=dt.UTC)
            await bot.restrict_chat_member(GROUP, ADA, ChatPermissions(can_send_messages=False), until_date=until)
            keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Sì", callback_data="yes")]])
            message = await bot.send_message(
                GROUP, "<b>Regole</b> del gruppo", parse_mode="HTML", reply_markup=keyboard
            )
            return await bot.get_chat_member(GROUP, ADA), message

    muted, message = asyncio.run(moderate())
    assert muted.status == "restricted" and muted.can_send_messages is False
    assert message.text == "Regole del gruppo" and message.entities[0].type == "bold"
    assert message.reply_markup.inline_keyboard[0][0].callback_data == "yes"


def test_html_becomes_entities_with_utf16_offsets(scene: SimClient) -> None:
    sent = ok(
        scene,
        "sendMessage",
        chat_id=GROUP,
        text='😀 <b>ciao</b> <a href="https://unimi.it">sito</a>',
        parse_mode="HTML",
    )
    assert sent["text"] == "😀 ciao sito"
    assert sent["entities"] == [
        {"offset": 3, "length": 4, "type": "bold"},
        {"offset": 8, "length": 4, "type": "text_link", "url": "https://unimi.it"},
    ]


def test_replies_threads_and_missing_replies(scene: SimClient) -> None:
    question = scene.send_text(GROUP, ADA, "quando è l'esame?")["message"]
    answer = ok(
        scene, "sendMessage", chat_id=GROUP, text="a giugno", reply_parameters={"message_id": question["message_id"]}
    )
    assert answer["reply_to_message"]["text"] == "quando è l'esame?"
    status, body = api(scene, "sendMessage", chat_id=GROUP, text="?", reply_to_message_id=9999)
    assert (status, body["description"]) == (400, "Bad Request: message to be replied not found")
    tolerant = ok(
        scene,
        "sendMessage",
        chat_id=GROUP,
        text="ok",
        reply_parameters={"message_id": 9999, "allow_sending_without_reply": True},
    )
    assert "reply_to_message" not in tolerant
    assert ok(scene, "sendMessage", chat_id=GROUP, text="t", message_thread_id=7)["message_thread_id"] == 7


def test_edit_and_not_modified(scene: SimClient) -> None:
    sent = ok(scene, "sendMessage", chat_id=GROUP, text="prima")
    edited = ok(scene, "editMessageText", chat_id=GROUP, message_id=sent["message_id"], text="dopo")
    assert edited["text"] == "dopo" and "edit_date" in edited
    status, body = api(scene, "editMessageText", chat_id=GROUP, message_id=sent["message_id"], text="dopo")
    assert status == 400 and body["description"].startswith("Bad Request: message is not modified")
    user_message = scene.send_text(GROUP, ADA, "mio")["message"]
    status, body = api(scene, "editMessageText", chat_id=GROUP, message_id=user_message["message_id"], text="x")
    assert body["description"] == "Bad Request: message can't be edited"


def test_delete_one_and_many(scene: SimClient) -> None:
    ids = [scene.send_text(GROUP, ADA, f"spam {n}")["message"]["message_id"] for n in range(3)]
    assert ok(scene, "deleteMessage", chat_id=GROUP, message_id=ids[0]) is True
    assert api(scene, "deleteMessage", chat_id=GROUP, message_id=ids[0])[1]["description"] == (
        "Bad Request: message to delete not found"
    )
    assert ok(scene, "deleteMessages", chat_id=GROUP, message_ids=[*ids, 9999]) is True  # unknown ids are skipped
    assert {m["message_id"]: m["deleted"] for m in scene.messages(GROUP)} == dict.fromkeys(ids, True)


def test_without_delete_right_only_own_messages_go(scene: SimClient) -> None:
    scene.set_member(GROUP, BOT_ID, "administrator", rights={"can_restrict_members": True})
    theirs = scene.send_text(GROUP, ADA, "ciao")["message"]["message_id"]
    mine = ok(scene, "sendMessage", chat_id=GROUP, text="ciao")["message_id"]
    assert api(scene, "deleteMessage", chat_id=GROUP, message_id=theirs)[1]["description"] == (
        "Bad Request: message can't be deleted"
    )
    assert ok(scene, "deleteMessage", chat_id=GROUP, message_id=mine) is True


def test_forward_and_copy(scene: SimClient) -> None:
    scene.add_chat(-1001900000002, title="Log", members=[{"user_id": BOT_ID, "status": "administrator"}])
    original = scene.send_text(GROUP, ADA, "segnalazione")["message"]
    forwarded = ok(
        scene, "forwardMessage", chat_id=-1001900000002, from_chat_id=GROUP, message_id=original["message_id"]
    )
    assert forwarded["text"] == "segnalazione" and forwarded["forward_origin"]["sender_user"]["id"] == ADA
    copied = ok(scene, "copyMessage", chat_id=-1001900000002, from_chat_id=GROUP, message_id=original["message_id"])
    assert set(copied) == {"message_id"}
    assert [m["message"].get("forward_origin") is None for m in scene.messages(-1001900000002)] == [False, True]
    status, body = api(scene, "forwardMessage", chat_id=-1001900000002, from_chat_id=GROUP, message_id=999)
    assert (status, body["description"]) == (400, "Bad Request: message to forward not found")


def test_callback_queries_are_answered_once(scene: SimClient) -> None:
    keyboard = {"inline_keyboard": [[{"text": "Accetto", "callback_data": "rules:ok"}]]}
    sent = ok(scene, "sendMessage", chat_id=GROUP, text="Accetti?", reply_markup=keyboard)
    pressed = scene.press_button(GROUP, sent["message_id"], ADA)
    query_id = pressed["callback_query_id"]
    assert ok(scene, "answerCallbackQuery", callback_query_id=query_id, text="Grazie") is True
    assert scene.callback_query(query_id)["answer"]["text"] == "Grazie"
    status, body = api(scene, "answerCallbackQuery", callback_query_id=query_id)
    assert status == 400
    assert body["description"] == "Bad Request: query is too old and response timeout expired or query ID is invalid"


def test_callback_data_is_at_most_64_bytes(scene: SimClient) -> None:
    keyboard = {"inline_keyboard": [[{"text": "x", "callback_data": "x" * 65}]]}
    status, body = api(scene, "sendMessage", chat_id=GROUP, text="?", reply_markup=keyboard)
    assert (status, body["description"]) == (400, "Bad Request: BUTTON_DATA_INVALID")


def test_text_limits(scene: SimClient) -> None:
    assert api(scene, "sendMessage", chat_id=GROUP, text="")[1]["description"] == "Bad Request: message text is empty"
    assert ok(scene, "sendMessage", chat_id=GROUP, text="😀" * 2048)["text"] == "😀" * 2048  # 4096 UTF-16 units
    status, body = api(scene, "sendMessage", chat_id=GROUP, text="😀" * 2048 + "!")
    assert (status, body["description"]) == (400, "Bad Request: message is too long")


def test_webhook_and_command_settings(scene: SimClient) -> None:
    commands = [{"command": "info", "description": "Informazioni"}, {"command": "ban", "description": "Banna"}]
    assert ok(scene, "setMyCommands", commands=commands) is True
    assert ok(scene, "getMyCommands") == commands
    assert api(scene, "setMyCommands", commands=[{"command": "Bad-Name", "description": "x"}])[1]["description"] == (
        "Bad Request: BOT_COMMAND_INVALID"
    )
    status, body = api(scene, "setWebhook", url="http://127.0.0.1:9/hook", secret_token="not allowed!")
    assert (status, body["description"]) == (
        400,
        "Bad Request: bad webhook: secret token contains unallowed characters",
    )
    assert api(scene, "setWebhook", url="http://127.0.0.1:9/hook")[1] == {
        "ok": True,
        "result": True,
        "description": "Webhook was set",
    }
    assert api(scene, "deleteWebhook")[1]["description"] == "Webhook was deleted"
