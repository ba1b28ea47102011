"""Flood control as Telegram enforces it, injected faults, and the call log tests assert on."""

from __future__ import annotations

import time

import pytest
from tgsim.conftest import ADA, BOT_ID, BOT_TOKEN, GROUP, api, fixture_response, ok

from aula_tgsim.testing import SimClient

PRIVATE_CHATS = (ADA, 44, 45)


def send(tg: SimClient, chat_id: int, text: str = "ciao") -> tuple[int, dict]:
    return api(tg, "sendMessage", chat_id=chat_id, text=text)


@pytest.fixture
def talkative(scene: SimClient) -> SimClient:
    """Three users who started the bot in private, so it may write to each of them."""
    for user_id in PRIVATE_CHATS[1:]:
        scene.add_user(user_id, f"Studente {user_id}")
    for user_id in PRIVATE_CHATS:
        scene.send_text(user_id, user_id, "/start", bot_id=BOT_ID)
    return scene


def test_per_chat_burst_then_429_with_retry_after(talkative: SimClient) -> None:
    talkative.configure(rate_limits={"per_chat": [3, 1.0]})
    assert [send(talkative, ADA)[0] for _ in range(3)] == [200, 200, 200]
    status, body = send(talkative, ADA)
    assert status == 429
    assert body == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 1",
        "parameters": {"retry_after": 1},
    }
    assert body.keys() == fixture_response("error_429_too_many_requests_retry_after_short").keys()
    assert send(talkative, 44)[0] == 200  # another chat has its own budget
    time.sleep(1.05)
    assert send(talkative, ADA)[0] == 200


def test_per_group_budget_counts_a_minute(scene: SimClient) -> None:
    scene.configure(rate_limits={"per_chat": [100, 1.0], "per_group": [20, 60.0]})
    assert {send(scene, GROUP)[0] for _ in range(20)} == {200}
    status, body = send(scene, GROUP)
    assert status == 429 and 55 <= body["parameters"]["retry_after"] <= 60
    assert body["description"] == f"Too Many Requests: retry after {body['parameters']['retry_after']}"


def test_per_bot_budget_across_chats(talkative: SimClient) -> None:
    talkative.configure(rate_limits={"per_bot": [4, 1.0]})
    statuses = [send(talkative, chat)[0] for chat in PRIVATE_CHATS + PRIVATE_CHATS]
    assert statuses == [200, 200, 200, 200, 429, 429]


def test_refused_calls_use_no_budget_and_moderation_is_not_counted(scene: SimClient) -> None:
    scene.configure(rate_limits={"per_chat": [2, 60.0]})
    assert send(scene, GROUP, "")[0] == 400  # empty text: refused, not counted
    for _ in range(5):
        ok(scene, "getChatMember", chat_id=GROUP, user_id=ADA)
    assert [send(scene, GROUP)[0] for _ in range(3)] == [200, 200, 429]


def test_flood_control_can_be_turned_off(scene: SimClient) -> None:
    scene.configure(rate_limits={"enabled": False})
    assert {send(scene, GROUP)[0] for _ in range(40)} == {200}


def test_the_next_calls_of_a_method_in_a_chat_fail_as_told(scene: SimClient) -> None:
    scene.add_chat(-1001900000002, members=[{"user_id": BOT_ID, "status": "administrator"}])
    scene.inject_fault("sendMessage", 429, retry_after=34, chat_id=GROUP, times=2)
    assert send(scene, -1001900000002)[0] == 200  # another chat: untouched
    assert send(scene, GROUP) == (429, fixture_response("error_429_too_many_requests_retry_after_34"))
    assert send(scene, GROUP)[0] == 429
    assert send(scene, GROUP)[0] == 200
    assert scene.calls(method="sendMessage", chat_id=GROUP)[0]["response"]["parameters"] == {"retry_after": 34}


def test_any_error_and_slow_answers_can_be_injected(scene: SimClient) -> None:
    scene.inject_fault("banChatMember", 400, "Bad Request: USER_BANNED_IN_CHANNEL")
    assert api(scene, "banChatMember", chat_id=GROUP, user_id=ADA) == (
        400,
        {"ok": False, "error_code": 400, "description": "Bad Request: USER_BANNED_IN_CHANNEL"},
    )
    assert scene.member(GROUP, ADA)["status"] == "member"  # a failed call changes nothing
    scene.inject_fault(None, 502)
    assert api(scene, "getMe")[0] == 502
    scene.inject_fault("getMe", delay=0.3)
    started = time.monotonic()
    assert api(scene, "getMe")[0] == 200
    assert time.monotonic() - started >= 0.3
    assert scene.calls(method="getMe")[-1]["status"] == 200


def test_the_call_log(scene: SimClient) -> None:
    before = scene.last_seq()
    ok(scene, "sendMessage", chat_id=GROUP, text="uno")
    ok(scene, "getChatMember", chat_id=GROUP, user_id=ADA)
    api(scene, "deleteMessage", chat_id=GROUP, message_id=999)
    api(scene, "getMe", token="7000000009:AAAnotAknownTokenAtAllAtAll")
    calls = scene.calls(since=before)
    assert [(c["method"], c["status"], c["bot_id"]) for c in calls] == [
        ("sendMessage", 200, BOT_ID),
        ("getChatMember", 200, BOT_ID),
        ("deleteMessage", 400, BOT_ID),
        ("getMe", 401, None),
    ]
    assert calls[0]["params"] == {"chat_id": GROUP, "text": "uno"} and calls[0]["response"]["result"]["text"] == "uno"
    assert calls[2]["response"] == fixture_response("error_400_message_to_delete_not_found")
    assert [c["seq"] for c in calls] == sorted(c["seq"] for c in calls)
    assert calls[0]["time"] <= calls[-1]["time"]
    assert scene.calls(method="deletemessage", chat_id=GROUP, since=before)[0]["seq"] == calls[2]["seq"]
    assert scene.calls(bot_id=BOT_ID, since=calls[1]["seq"]) == [calls[2]]
    assert BOT_TOKEN not in str(scene.calls())  # the log never keeps tokens
