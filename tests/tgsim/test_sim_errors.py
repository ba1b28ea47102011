"""The simulator refuses exactly as Telegram does: status codes and bodies equal to the real answers we keep."""

from __future__ import annotations

import httpx
from tgsim.conftest import ADA, BASIC_GROUP, BOB, BOT_ID, BOT_TOKEN, GROUP, OWNER, api, fixture_response, ok

from aula_tgsim.testing import SimClient


def test_an_unknown_token_is_unauthorized(scene: SimClient) -> None:
    status, body = api(scene, "getMe", token="7000000009:AAAnotAknownTokenAtAllAtAll")
    assert (status, body) == (401, {"ok": False, "error_code": 401, "description": "Unauthorized"})


def test_an_unknown_method_or_a_malformed_token_is_not_found(scene: SimClient, simulator) -> None:
    not_found = {"ok": False, "error_code": 404, "description": "Not Found"}
    assert api(scene, "sendCarrierPigeon") == (404, not_found)
    response = httpx.get(f"{simulator.url}/botnot-a-token/getMe")
    assert (response.status_code, response.json()) == (404, not_found)


def test_method_names_are_case_insensitive(scene: SimClient) -> None:
    assert ok(scene, "getme")["id"] == BOT_ID
    assert ok(scene, "GETME")["username"] == "aula_test_bot"


def test_an_unknown_chat(scene: SimClient) -> None:
    status, body = api(scene, "sendMessage", chat_id=-1009999, text="hello")
    assert (status, body) == (400, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"})


def test_banning_without_the_right_to_restrict(scene: SimClient) -> None:
    scene.set_member(GROUP, BOT_ID, "administrator", rights={"can_delete_messages": True})
    status, body = api(scene, "banChatMember", chat_id=GROUP, user_id=ADA)
    assert (status, body) == (400, fixture_response("error_400_not_enough_rights_to_restrict"))
    assert scene.member(GROUP, ADA)["status"] == "member"


def test_a_bot_kicked_from_a_supergroup_or_a_group(scene: SimClient) -> None:
    scene.set_member(GROUP, BOT_ID, "kicked")
    assert api(scene, "sendMessage", chat_id=GROUP, text="hi") == (
        403,
        fixture_response("error_403_bot_was_kicked_from_supergroup"),
    )
    scene.add_chat(BASIC_GROUP, "group", title="MewJallal", members=[{"user_id": BOT_ID, "status": "kicked"}])
    assert api(scene, "sendMessage", chat_id=BASIC_GROUP, text="hi") == (
        403,
        fixture_response("error_403_bot_was_kicked_from_group"),
    )


def test_a_bot_that_left_is_not_a_member(scene: SimClient) -> None:
    assert ok(scene, "leaveChat", chat_id=GROUP) is True
    assert api(scene, "sendMessage", chat_id=GROUP, text="hi") == (
        403,
        fixture_response("error_403_bot_not_member_of_supergroup"),
    )


def test_a_user_who_blocked_the_bot(scene: SimClient) -> None:
    scene.send_text(ADA, ADA, "/start", bot_id=BOT_ID)  # Ada starts the bot in private...
    assert ok(scene, "sendMessage", chat_id=ADA, text="benvenuta")["chat"]["type"] == "private"
    scene.block(ADA, BOT_ID)  # ...then blocks it
    assert api(scene, "sendMessage", chat_id=ADA, text="ciao") == (
        403,
        fixture_response("error_403_bot_blocked_by_user"),
    )
    status, body = api(scene, "sendMessage", chat_id=BOB, text="ciao")  # Bob never started it
    assert (status, body["description"]) == (403, "Forbidden: bot can't initiate conversation with a user")


def test_a_group_upgraded_to_a_supergroup(scene: SimClient) -> None:
    scene.add_chat(BASIC_GROUP, "group", title="MewJallal", members=[{"user_id": BOT_ID, "status": "administrator"}])
    scene.migrate(BASIC_GROUP, to_chat_id=-1004343504156)
    status, body = api(scene, "sendMessage", chat_id=BASIC_GROUP, text="hi")
    assert (status, body) == (400, fixture_response("error_400_group_chat_upgraded_to_supergroup"))
    assert ok(scene, "sendMessage", chat_id=-1004343504156, text="hi")["chat"]["type"] == "supergroup"


def test_deleting_a_missing_message_and_a_message_older_than_48_hours(scene: SimClient) -> None:
    assert api(scene, "deleteMessage", chat_id=GROUP, message_id=999) == (
        400,
        fixture_response("error_400_message_to_delete_not_found"),
    )
    message = scene.send_text(GROUP, ADA, "ciao")["message"]
    scene.advance_clock(48 * 3600 + 60)
    assert api(scene, "deleteMessage", chat_id=GROUP, message_id=message["message_id"]) == (
        400,
        fixture_response("error_400_message_cant_be_deleted"),
    )


def test_a_member_never_seen_in_the_chat(scene: SimClient) -> None:
    scene.add_user(44, "Carla")
    assert api(scene, "getChatMember", chat_id=GROUP, user_id=44) == (
        400,
        fixture_response("error_400_member_not_found"),
    )
    status, body = api(scene, "banChatMember", chat_id=GROUP, user_id=123456)  # nobody Telegram knows
    assert (status, body["description"]) == (400, "Bad Request: PARTICIPANT_ID_INVALID")


def test_a_bot_without_the_right_to_write(scene: SimClient) -> None:
    scene.add_chat(-1001900000009, title="Avvisi", permissions={"can_send_messages": False})
    scene.set_member(-1001900000009, BOT_ID, "member")
    assert api(scene, "sendMessage", chat_id=-1001900000009, text="hi") == (
        400,
        fixture_response("error_400_not_enough_rights_to_send_text"),
    )


def test_the_owner_and_foreign_admins_cannot_be_banned(scene: SimClient) -> None:
    status, body = api(scene, "banChatMember", chat_id=GROUP, user_id=OWNER)
    assert (status, body["description"]) == (400, "Bad Request: can't remove chat owner")
    scene.set_member(GROUP, BOB, "administrator", rights={"can_delete_messages": True})
    status, body = api(scene, "banChatMember", chat_id=GROUP, user_id=BOB)
    assert (status, body["description"]) == (400, "Bad Request: user is an administrator of the chat")


def test_html_that_does_not_parse(scene: SimClient) -> None:
    status, body = api(scene, "sendMessage", chat_id=GROUP, text="<b>bold <i>both</b>", parse_mode="HTML")
    assert status == 400
    assert body["description"].startswith("Bad Request: can't parse entities: Unmatched end tag")
    status, body = api(scene, "sendMessage", chat_id=GROUP, text="<marquee>hi</marquee>", parse_mode="HTML")
    assert body["description"] == 'Bad Request: can\'t parse entities: Unsupported start tag "marquee" at byte offset 0'


def test_other_token_other_bot(scene: SimClient) -> None:
    """Each token is its own bot: a second bot not in the group is refused there."""
    scene.add_bot("7000000002:AAGzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz")
    status, body = api(scene, "getChat", token="7000000002:AAGzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", chat_id=GROUP)
    assert (status, body["description"]) == (403, "Forbidden: bot is not a member of the supergroup chat")
    assert ok(scene, "getChat", token=BOT_TOKEN, chat_id="@analisi_uno")["id"] == GROUP
