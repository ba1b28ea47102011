"""Routing updates once: a handler's bug is dead-lettered, an outage retries the batch, nothing runs twice."""

from __future__ import annotations

import orjson
import pytest
from telegram.ext import filters

from aula_shared.dispatch import UpdateDispatcher, dead_letter_key
from aula_shared.envelope import Envelope
from aula_shared.router import Router, StopRouting
from aula_shared.telegram import TelegramUnavailable


def envelope(update_id: int, text: str = "ciao", chat_type: str = "supergroup") -> Envelope:
    message = {
        "message_id": update_id,
        "date": 1763700000,
        "chat": {"id": -100, "type": chat_type, "title": "t"},
        "from": {"id": 9, "is_bot": False, "first_name": "A"},
        "text": text,
    }
    return Envelope(1, orjson.dumps({"update_id": update_id, "message": message}))


def dispatcher(redis_client, router) -> UpdateDispatcher:
    return UpdateDispatcher("moderation", redis_client, router, lambda envelope, update: update)


def test_groups_run_in_order_first_match_per_group_and_stop(redis_client):
    ran = []

    def stop(update):
        ran.append("stop")
        raise StopRouting

    router: Router = Router()
    router.add(lambda u: ran.append("any"), group=0)
    router.add(lambda u: ran.append("text"), filters.TEXT, group=1)
    router.add(lambda u: ran.append("never: same group"), filters.ALL, group=1)
    router.add(stop, filters.Regex("stop"), group=2)
    router.add(lambda u: ran.append("after"), group=3)
    dispatcher(redis_client, router)([envelope(1), envelope(2, "stop")])
    assert ran == ["any", "text", "after", "any", "text", "stop"]


def test_a_failing_handler_is_dead_lettered_and_not_retried(redis_client):
    calls = []

    def broken(update):
        calls.append(update.update_id)
        raise ValueError("bug")

    router: Router = Router()
    router.add(broken)
    handle = dispatcher(redis_client, router)
    handle([envelope(1), envelope(2)])
    handle([envelope(1), envelope(2)])  # the batch delivered again, as after a crash
    assert calls == [1, 2]
    assert redis_client.llen(dead_letter_key("moderation")) == 2


def test_an_outage_propagates_and_leaves_the_update_to_be_handled_again(redis_client):
    outcomes = iter([TelegramUnavailable("telegram down"), None])
    handled = []

    def flaky(update):
        error = next(outcomes)
        if error:
            raise error
        handled.append(update.update_id)

    router: Router = Router()
    router.add(flaky)
    handle = dispatcher(redis_client, router)
    with pytest.raises(TelegramUnavailable):
        handle([envelope(5)])
    handle([envelope(5)])
    assert handled == [5]
    assert redis_client.llen(dead_letter_key("moderation")) == 0
