"""The pipeline: the stages every update passes, in one visible order, each seeing only its update kinds. Real
payloads from the team's fixtures, decoded as the worker decodes them."""

from __future__ import annotations

import json

import pytest
from conftest import FIXTURES

from aula_moderation.pipeline import STAGES, build_router
from aula_moderation.updates import KINDS, kind_of
from aula_shared.updates import decode_update


def test_the_stages_in_order():
    assert [stage.name for stage in STAGES] == [
        "batch writes committed",
        "bound bot",
        "group migrated",
        "appeal verdicts",
        "unmanaged chats",
        "broadcast",
        "people and network bans",
        "newcomers: CAPTCHA, welcome, rules gate",
        "onboarding buttons",
        "join requests",
        "private conversations",
        "trust gate",
        "forbidden words",
        "antiflood",
        "bots added by non-staff",
        "service messages",
        "commands and @admin",
        "bot status",
    ]


def test_each_stage_says_which_update_kinds_it_sees():
    kinds = {stage.name: stage.kinds for stage in STAGES}
    assert kinds["batch writes committed"] is None and kinds["unmanaged chats"] is None  # every kind
    assert kinds["bound bot"] is None
    assert kinds["trust gate"] == kinds["forbidden words"] == kinds["antiflood"] == {"message", "edited_message"}
    assert kinds["people and network bans"] == {"message", "chat_member", "chat_join_request"}
    assert kinds["onboarding buttons"] == {"callback_query"}
    assert kinds["bot status"] == {"my_chat_member"}
    assert all(stage.kinds is None or stage.kinds <= set(KINDS) for stage in STAGES)


def test_the_router_runs_the_stages_in_their_order():
    router = build_router()
    positions = [route.group for route in router.routes]
    assert positions == sorted(positions)
    assert len({route.group for route in router.routes}) == len(STAGES)
    assert router.routes[0].handler.__name__ == "flush_writes"


FIXTURE_PATHS = sorted((FIXTURES / "updates").glob("*.json"))


@pytest.mark.parametrize("path", FIXTURE_PATHS, ids=lambda p: p.stem)
def test_a_real_update_matches_only_handlers_that_see_its_kind(path):
    update = decode_update(json.loads(path.read_text()))
    kind = kind_of(update)
    handlers = [handler for stage in STAGES for handler in stage.handlers]
    for route, handler in zip(build_router().routes, handlers, strict=True):
        if route.matches(update):
            assert handler.kinds is None or kind in handler.kinds, (route.handler.__name__, kind)


def test_an_edited_message_passes_the_rules_on_content_and_nothing_else():
    path = next(p for p in FIXTURE_PATHS if p.stem == "group_edited_message_entities_shifted")
    update = decode_update(json.loads(path.read_text()))
    assert kind_of(update) == "edited_message"
    seen = [route.handler.__name__ for route in build_router().routes if route.matches(update)]
    assert seen == [
        "flush_writes",
        "on_other_bot",
        "on_unmanaged_chat",
        "on_trust_gate",
        "on_forbidden_words",
        "on_flood",
    ]
