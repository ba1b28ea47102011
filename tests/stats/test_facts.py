"""The plain reading of common messages reaches exactly the facts python-telegram-bot's decoding does."""

from __future__ import annotations

import json

import pytest
from conftest import fixture_updates

from aula_shared.updates import decode_update
from aula_stats.facts import Facts

PATHS = fixture_updates()


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_the_plain_reading_agrees_with_ptb_or_leaves_the_update_to_it_untouched(path):
    payload = json.loads(path.read_text())
    decoded = Facts()
    decoded.add(decode_update(payload), bot_id=1)
    plain = Facts()
    if plain.add_plain(payload, bot_id=1):
        assert plain == decoded
    else:  # declined: nothing half-read may stay behind, PTB's reading is the only one
        assert plain == Facts()


def test_most_fixtures_take_the_plain_path_and_service_messages_do_not():
    plain = {path.stem for path in PATHS if Facts().add_plain(json.loads(path.read_text()))}
    assert len(plain) >= len(PATHS) // 3
    assert "group_text_message_no_username" in plain
    assert not any("new_chat_members" in name or "left_chat_member" in name for name in plain)
    assert not any("migrate" in name for name in plain)


@pytest.mark.parametrize(
    "payload",
    [
        {"update_id": 1, "message": {"from": "x", "chat": {"id": -1, "type": "group"}, "date": 1}},
        {"update_id": 1, "message": {"from": {"id": 1}, "chat": {"id": -1, "type": "group"}, "date": "1"}},
        {"update_id": 1, "message": {"from": {"id": 1}, "chat": {"id": -1, "type": "group"}, "date": 1, "x": 1}},
        {"update_id": 1, "edited_message": {"from": {"id": 1}, "chat": {"id": -1, "type": "group"}, "date": 1}},
    ],
)
def test_anything_unusual_is_left_to_ptb(payload):
    assert Facts().add_plain(payload) is False
