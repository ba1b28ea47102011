"""Every real payload decodes with python-telegram-bot, old ones included, with nothing invented but empties."""

from __future__ import annotations

import json

import pytest
from conftest import FIXTURES, fixture_updates
from telegram import ChatMember, Update

from aula_shared.updates import UndecodableUpdate, decode_update


@pytest.mark.parametrize("path", fixture_updates(), ids=lambda p: p.stem)
def test_every_fixture_decodes(path):
    payload = json.loads(path.read_text())
    update = decode_update(payload)
    assert isinstance(update, Update)
    assert update.update_id == payload["update_id"]
    kinds = set(payload) - {"update_id"}
    assert any(getattr(update, kind, None) is not None for kind in kinds), kinds


def test_a_2016_user_without_is_bot_decodes_as_a_person():
    payload = json.loads(
        (FIXTURES / "updates/supergroup_left_chat_member_self_leave_no_username_2016.json").read_text()
    )
    assert "is_bot" not in payload["message"]["from"]
    update = decode_update(payload)
    assert update.effective_user.is_bot is False
    assert update.effective_user.id == payload["message"]["from"]["id"]
    assert "is_bot" not in payload["message"]["from"]  # the caller's payload is left as it was


def test_a_restriction_missing_newer_rights_keeps_the_rights_it_has():
    payload = json.loads((FIXTURES / "updates/chat_member_supergroup_user_restricted_by_bot.json").read_text())
    member = decode_update(payload).chat_member.new_chat_member
    assert member.status == ChatMember.RESTRICTED
    assert member.can_send_messages is payload["chat_member"]["new_chat_member"]["can_send_messages"]
    assert member.until_date is not None


def test_garbage_is_refused_with_a_clear_error():
    with pytest.raises(UndecodableUpdate):
        decode_update({"update_id": 1, "message": {"message_id": "x", "chat": 5}})
