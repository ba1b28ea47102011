"""Updates: what users do becomes Updates, delivered to webhooks the way Telegram delivers them."""

from __future__ import annotations

import time

from telegram import Update
from tgsim.conftest import (
    ADA,
    BOB,
    BOT_ID,
    BOT_TOKEN,
    GROUP,
    OTHER_BOT_ID,
    OTHER_BOT_TOKEN,
    OWNER,
    WebhookReceiver,
    api,
    ok,
)

from aula_tgsim.testing import SimClient
from aula_tgsim.webhooks import SECRET_HEADER

SECRET = "s3cret_-Token"


def set_webhook(tg: SimClient, url: str, token: str = BOT_TOKEN, **params) -> None:
    ok(tg, "setWebhook", token=token, url=url, **params)


def test_delivery_with_secret_in_order_with_increasing_ids(scene: SimClient, receiver: WebhookReceiver) -> None:
    set_webhook(scene, receiver.url, secret_token=SECRET)
    for n in range(5):
        scene.send_text(GROUP, ADA, f"messaggio {n}")
    bodies = receiver.wait_for(5)
    assert [body["message"]["text"] for body in bodies] == [f"messaggio {n}" for n in range(5)]
    ids = [body["update_id"] for body in bodies]
    assert ids == list(range(ids[0], ids[0] + 5))
    assert {item["headers"][SECRET_HEADER] for item in receiver.received} == {SECRET}
    assert receiver.received[0]["headers"]["Content-Type"] == "application/json"


def test_no_secret_header_without_a_secret(scene: SimClient, receiver: WebhookReceiver) -> None:
    set_webhook(scene, receiver.url)
    scene.send_text(GROUP, ADA, "ciao")
    receiver.wait_for(1)
    assert SECRET_HEADER not in receiver.received[0]["headers"]


def test_a_failing_webhook_is_retried_and_order_is_kept(scene: SimClient, receiver: WebhookReceiver) -> None:
    receiver.statuses = [500, 500]
    set_webhook(scene, receiver.url)
    scene.send_text(GROUP, ADA, "primo")
    scene.send_text(GROUP, ADA, "secondo")
    bodies = receiver.wait_for(4)
    texts = [body["message"]["text"] for body in bodies]
    assert texts == ["primo", "primo", "primo", "secondo"]
    assert len({body["update_id"] for body in bodies[:3]}) == 1  # the same update, retried
    info = ok(scene, "getWebhookInfo")
    assert info["last_error_message"] == "Wrong response from the webhook: 500 Internal Server Error"
    assert scene.wait_delivered(BOT_ID, timeout=5)
    assert ok(scene, "getWebhookInfo")["pending_update_count"] == 0


def test_unreachable_webhook_keeps_updates_pending(scene: SimClient, receiver: WebhookReceiver) -> None:
    set_webhook(scene, "http://127.0.0.1:9/nobody-listens")
    scene.send_text(GROUP, ADA, "uno")
    scene.send_text(GROUP, ADA, "due")
    deadline = time.monotonic() + 5
    while "last_error_message" not in (info := ok(scene, "getWebhookInfo")) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert info["last_error_message"] == "Connection refused" and info["pending_update_count"] == 2
    set_webhook(scene, receiver.url)
    assert [body["message"]["text"] for body in receiver.wait_for(2)] == ["uno", "due"]


def test_updates_are_dropped_after_max_attempts(scene: SimClient, receiver: WebhookReceiver) -> None:
    scene.configure(webhook={"max_attempts": 2})
    receiver.statuses = [502, 502]
    set_webhook(scene, receiver.url)
    scene.send_text(GROUP, ADA, "perso")
    scene.send_text(GROUP, ADA, "arrivato")
    assert [body["message"]["text"] for body in receiver.wait_for(3)] == ["perso", "perso", "arrivato"]
    assert scene.wait_delivered(BOT_ID)
    assert scene.webhook(BOT_ID)["dropped_count"] == 1


def test_chat_member_updates_only_when_asked_for(scene: SimClient, receiver: WebhookReceiver) -> None:
    scene.add_user(44, "Carla")
    set_webhook(scene, receiver.url)  # allowed_updates not given: all but chat_member
    scene.join(GROUP, 44)
    assert [list(body)[1] for body in receiver.wait_for(1)] == ["message"]
    set_webhook(scene, receiver.url, allowed_updates=["message", "chat_member"])
    scene.leave(GROUP, 44)
    bodies = receiver.wait_for(3)
    assert [list(body)[1] for body in bodies[1:]] == ["message", "chat_member"]
    assert bodies[1]["message"]["left_chat_member"]["id"] == 44
    change = bodies[2]["chat_member"]
    assert (change["old_chat_member"]["status"], change["new_chat_member"]["status"]) == ("member", "left")


def test_a_ban_by_the_bot_is_reported_as_chat_member(scene: SimClient, receiver: WebhookReceiver) -> None:
    set_webhook(scene, receiver.url, allowed_updates=["chat_member"])
    ok(scene, "banChatMember", chat_id=GROUP, user_id=BOB)
    (body,) = receiver.wait_for(1)
    assert body["chat_member"]["from"]["id"] == BOT_ID
    assert body["chat_member"]["new_chat_member"] == {
        "user": {"id": BOB, "is_bot": False, "first_name": "Bob"},
        "status": "kicked",
        "until_date": 0,
    }


def test_commands_mentions_and_replies_carry_entities(scene: SimClient, receiver: WebhookReceiver) -> None:
    set_webhook(scene, receiver.url)
    original = scene.send_text(GROUP, BOB, "compro appunti")["message"]
    scene.send_text(GROUP, ADA, "/ban@aula_test_bot 1d spam @bob_x", reply_to_message_id=original["message_id"])
    message = receiver.wait_for(2)[1]["message"]
    assert message["entities"] == [
        {"offset": 0, "length": 18, "type": "bot_command"},
        {"offset": 27, "length": 6, "type": "mention"},
    ]
    assert message["reply_to_message"]["from"]["id"] == BOB and message["reply_to_message"]["text"] == "compro appunti"


def test_privacy_mode_bots_see_commands_only(scene: SimClient, receiver: WebhookReceiver) -> None:
    scene.add_bot(OTHER_BOT_TOKEN, username="privacy_bot", can_read_all_group_messages=False)
    scene.set_member(GROUP, OTHER_BOT_ID, "member")
    set_webhook(scene, receiver.url, token=OTHER_BOT_TOKEN)
    scene.send_text(GROUP, ADA, "chiacchiere")
    scene.send_text(GROUP, ADA, "/regole")
    assert [body["message"]["text"] for body in receiver.wait_for(1)] == ["/regole"]
    assert scene.wait_delivered(OTHER_BOT_ID) and len(receiver.received) == 1


def test_messages_from_bots_reach_no_bot(scene: SimClient, receiver: WebhookReceiver) -> None:
    scene.add_bot(OTHER_BOT_TOKEN, username="other_bot")
    scene.set_member(GROUP, OTHER_BOT_ID, "administrator")
    set_webhook(scene, receiver.url, token=OTHER_BOT_TOKEN)
    ok(scene, "sendMessage", chat_id=GROUP, text="io sono un bot")
    scene.send_text(GROUP, ADA, "io no")
    assert [body["message"]["text"] for body in receiver.wait_for(1)] == ["io no"]


def test_callback_query_join_request_and_blocking_reach_the_right_bot(
    scene: SimClient, receiver: WebhookReceiver
) -> None:
    set_webhook(scene, receiver.url)
    sent = ok(
        scene,
        "sendMessage",
        chat_id=GROUP,
        text="?",
        reply_markup={"inline_keyboard": [[{"text": "a", "callback_data": "a"}]]},
    )
    scene.press_button(GROUP, sent["message_id"], ADA)
    scene.add_user(44, "Carla")
    scene.join_request(GROUP, 44, bio="ciao")
    scene.send_text(ADA, ADA, "/start", bot_id=BOT_ID)
    scene.block(ADA, BOT_ID)
    kinds = [list(body)[1] for body in receiver.wait_for(4)]
    assert kinds == ["callback_query", "chat_join_request", "message", "my_chat_member"]
    callback, join_request, private, blocked = receiver.bodies()
    assert callback["callback_query"]["data"] == "a" and callback["callback_query"]["from"]["id"] == ADA
    assert join_request["chat_join_request"]["user_chat_id"] == 44
    assert private["message"]["chat"] == {
        "id": ADA,
        "first_name": "Ada",
        "username": "ada_lovelace",
        "type": "private",
    }
    assert blocked["my_chat_member"]["new_chat_member"]["status"] == "kicked"


def test_get_updates_without_a_webhook(scene: SimClient, receiver: WebhookReceiver) -> None:
    scene.send_text(GROUP, ADA, "uno")
    scene.send_text(GROUP, ADA, "due")
    first, second = ok(scene, "getUpdates")
    assert ok(scene, "getUpdates", offset=second["update_id"]) == [second]
    assert ok(scene, "getUpdates", offset=second["update_id"] + 1) == []
    set_webhook(scene, receiver.url)
    status, body = api(scene, "getUpdates")
    assert status == 409 and body["description"].startswith("Conflict: can't use getUpdates method while webhook")
    assert first["message"]["text"] == "uno"


def test_drop_pending_updates(scene: SimClient, receiver: WebhookReceiver) -> None:
    scene.send_text(GROUP, ADA, "vecchio")
    assert ok(scene, "getWebhookInfo")["pending_update_count"] == 1
    set_webhook(scene, receiver.url, drop_pending_updates=True)
    scene.send_text(GROUP, ADA, "nuovo")
    assert [body["message"]["text"] for body in receiver.wait_for(1)] == ["nuovo"]
    assert scene.wait_delivered(BOT_ID) and len(receiver.received) == 1


def test_every_generated_update_decodes_with_python_telegram_bot(scene: SimClient) -> None:
    wanted = ["message", "chat_member", "my_chat_member", "callback_query", "chat_join_request"]
    ok(scene, "getUpdates", allowed_updates=wanted)  # no webhook: updates wait for getUpdates
    scene.set_member(
        GROUP,
        BOT_ID,
        "administrator",
        rights={"can_promote_members": True, "can_restrict_members": True, "can_invite_users": True},
    )
    scene.add_user(44, "Carla")
    scene.add_bot(OTHER_BOT_TOKEN, username="other_bot")
    scene.send_text(GROUP, ADA, "/info @bob #esame https://unimi.it")
    scene.join(GROUP, 44, by=OWNER)
    scene.join(GROUP, OTHER_BOT_ID, by=OWNER)
    ok(scene, "restrictChatMember", chat_id=GROUP, user_id=44, permissions={"can_send_messages": False})
    ok(scene, "promoteChatMember", chat_id=GROUP, user_id=BOB, can_invite_users=True)
    scene.leave(GROUP, BOB)
    sent = ok(
        scene,
        "sendMessage",
        chat_id=GROUP,
        text="?",
        reply_markup={"inline_keyboard": [[{"text": "a", "callback_data": "a"}]]},
    )
    scene.press_button(GROUP, sent["message_id"], ADA)
    scene.add_user(45, "Dario")
    scene.join_request(GROUP, 45)
    updates = ok(scene, "getUpdates")
    kinds = {next(k for k in update if k != "update_id") for update in updates}
    assert kinds == {"message", "chat_member", "callback_query", "chat_join_request"}
    for update in updates:
        decoded = Update.de_json(update, None)
        assert decoded.update_id == update["update_id"] and decoded.effective_chat.id == GROUP
