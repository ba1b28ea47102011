"""What the gateway reads from an update: its id and the conversation it belongs to — nothing else."""

from __future__ import annotations

import json

import pytest
from conftest import FIXTURES

from aula_shared.envelope import NotAnUpdate, conversation_key, pack, unpack, update_id_of


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / "updates" / f"{name}.json").read_text())


@pytest.mark.parametrize(
    ("name", "key_of"),
    [
        ("group_text_message_no_username", lambda u: u["message"]["chat"]["id"]),
        ("chat_member_supergroup_user_left", lambda u: u["chat_member"]["chat"]["id"]),
        ("my_chat_member_group_bot_added", lambda u: u["my_chat_member"]["chat"]["id"]),
        ("callback_query_supergroup_inline_keyboard", lambda u: u["callback_query"]["message"]["chat"]["id"]),
        ("inline_query_from_private_chat_type_sender", lambda u: u["inline_query"]["from"]["id"]),
        ("chat_join_request_channel_sorted_keys", lambda u: u["chat_join_request"]["chat"]["id"]),
        ("edited_channel_post", lambda u: u["edited_channel_post"]["chat"]["id"]),
    ],
)
def test_the_conversation_is_the_chat_else_the_user(name, key_of):
    update = fixture(name)
    assert conversation_key(update) == str(key_of(update))


def test_an_update_of_an_unknown_kind_still_has_a_conversation():
    assert conversation_key({"update_id": 1, "future_kind": {"flag": True}}) == "0"


def test_envelopes_round_trip_bytes_exactly():
    raw = json.dumps(fixture("private_text_cyrillic_with_emoji"), ensure_ascii=False).encode()
    envelope = unpack(pack(123456789, raw))
    assert (envelope.bot_id, envelope.raw) == (123456789, raw)


@pytest.mark.parametrize("bad", [[], "x", {"update_id": -1, "message": {}}, {"update_id": True, "message": {}}])
def test_update_ids_are_checked(bad):
    with pytest.raises(NotAnUpdate):
        update_id_of(bad)
