"""The shared Bot API client against the real simulator over HTTP and real Redis.

Outcomes for refusals, exceptions only for "retry later", a flood budget that holds across OS processes, and
429 pauses that one process sees and every other honours.
"""

from __future__ import annotations

import io
import json
import logging
import multiprocessing
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from support import free_port, wait_until

from aula_shared.logging import JsonFormatter
from aula_shared.settings import Settings
from aula_shared.telegram import BotClient, FloodWait, Outcome, RateLimits, TelegramUnavailable, Window
from aula_tgsim.testing import RunningSimulator, SimClient, start_simulator

TOKEN = "7000000001:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
BOT_ID = 7000000001
ADA, BOB = 42, 43
GROUP = -1001900000001
OTHER_GROUP = -1001900000002
SENDER = Path(__file__).with_name("telegram_sender.py")

# Most tests are not about throttling: no budgets, quick give-up.
NO_BUDGETS = RateLimits(per_chat=None, per_group=None, per_bot=None, max_wait=5.0)


@pytest.fixture(scope="module")
def sim() -> Iterator[RunningSimulator]:
    with start_simulator() as running:
        yield running


@pytest.fixture
def scene(sim: RunningSimulator, redis_client: redis.Redis) -> SimClient:
    """A supergroup where the bot is admin, Ada and Bob in it and Ada in private with the bot; no flood limits."""
    tg = sim.client
    tg.reset({"rate_limits": {"enabled": False}})
    tg.add_bot(TOKEN, username="aula_test_bot")
    tg.add_user(ADA, "Ada")
    tg.add_user(BOB, "Bob")
    for chat_id in (GROUP, OTHER_GROUP):
        tg.add_chat(
            chat_id,
            members=[{"user_id": BOT_ID, "status": "administrator"}, {"user_id": ADA}, {"user_id": BOB}],
        )
    tg.send_text(ADA, ADA, "/start", bot_id=BOT_ID)
    return tg


def make_client(sim: RunningSimulator, redis_url: str, limits: RateLimits = NO_BUDGETS, **options) -> BotClient:
    return BotClient(TOKEN, sim.url, redis_url=redis_url, limits=limits, **options)


@pytest.fixture
def client(sim: RunningSimulator, redis_url: str, scene: SimClient) -> Iterator[BotClient]:
    with make_client(sim, redis_url) as bot_client:
        yield bot_client


# -- results and refusals --------------------------------------------------------------------------------------


def test_a_call_returns_the_decoded_result(client: BotClient, scene: SimClient) -> None:
    outcome = client.call(
        "sendMessage",
        chat_id=GROUP,
        text="ciao",
        reply_markup={"inline_keyboard": [[{"text": "ok", "callback_data": "ok"}]]},
    )
    assert outcome.ok and bool(outcome) and outcome.method == "sendMessage"
    assert outcome.result["text"] == "ciao" and outcome.result["chat"]["id"] == GROUP
    logged = scene.calls(method="sendMessage")[-1]["params"]
    assert logged["reply_markup"] == {"inline_keyboard": [[{"text": "ok", "callback_data": "ok"}]]}


def test_typed_calls_return_ptb_objects(client: BotClient, scene: SimClient) -> None:
    outcome = client.run(lambda bot: bot.get_chat_member(GROUP, ADA))
    assert outcome.ok and outcome.result.status == "member" and outcome.result.user.id == ADA


def test_a_400_is_an_outcome_in_telegrams_words(client: BotClient) -> None:
    outcome = client.call("deleteMessage", chat_id=GROUP, message_id=999)
    assert outcome == Outcome(
        ok=False,
        error_code=400,
        description="Bad Request: message to delete not found",
        method="deleteMessage",
    )
    assert not outcome and outcome.log_fields()["description"] == "Bad Request: message to delete not found"


def test_a_403_is_an_outcome(client: BotClient, scene: SimClient) -> None:
    scene.set_member(GROUP, BOT_ID, "kicked")
    outcome = client.run(lambda bot: bot.send_message(GROUP, "ciao"))
    assert (outcome.ok, outcome.error_code, outcome.forbidden) == (False, 403, True)
    assert outcome.description == "Forbidden: bot was kicked from the supergroup chat"
    assert outcome.method == "sendMessage"


def test_a_typed_call_without_rights_is_an_outcome(client: BotClient, scene: SimClient) -> None:
    scene.set_member(GROUP, BOT_ID, "administrator", rights={"can_delete_messages": True})
    outcome = client.run(lambda bot: bot.ban_chat_member(GROUP, ADA))
    assert (outcome.error_code, outcome.description) == (
        400,
        "Bad Request: not enough rights to restrict/unrestrict chat member",
    )


def test_an_upgraded_group_says_where_it_went(client: BotClient, scene: SimClient) -> None:
    scene.add_chat(-839307431, "group", members=[{"user_id": BOT_ID, "status": "administrator"}])
    scene.migrate(-839307431, to_chat_id=-1004343504156)
    outcome = client.call("sendMessage", chat_id=-839307431, text="ciao")
    assert (outcome.error_code, outcome.migrate_to_chat_id) == (400, -1004343504156)
    assert outcome.description == "Bad Request: group chat was upgraded to a supergroup chat"
    assert client.call("sendMessage", chat_id=outcome.migrate_to_chat_id, text="ciao").ok


def test_unknown_token_and_unknown_method(sim: RunningSimulator, redis_url: str, scene: SimClient) -> None:
    with BotClient("7000000009:AAAnotAknownTokenAtAllAtAll", sim.url, redis_url=redis_url) as stranger:
        assert stranger.call("getMe") == Outcome(ok=False, error_code=401, description="Unauthorized", method="getMe")
    with make_client(sim, redis_url) as bot_client:
        outcome = bot_client.call("sendCarrierPigeon", chat_id=GROUP)
        assert (outcome.error_code, outcome.description) == (404, "Not Found")


# -- what raises: retry later ----------------------------------------------------------------------------------


def test_an_unreachable_api_raises_without_the_token(redis_url: str) -> None:
    unreachable = BotClient(TOKEN, f"http://127.0.0.1:{free_port()}", redis_url=redis_url)
    with unreachable, pytest.raises(TelegramUnavailable) as raised:
        unreachable.call("getMe")
    assert TOKEN not in "".join(traceback.format_exception(raised.value))


def test_a_timeout_raises(sim: RunningSimulator, redis_url: str, scene: SimClient) -> None:
    scene.inject_fault("getChat", delay=1.0)
    with make_client(sim, redis_url, timeout=0.3) as impatient, pytest.raises(TelegramUnavailable, match="Timed"):
        impatient.call("getChat", chat_id=GROUP)


def test_a_server_error_raises(client: BotClient, scene: SimClient) -> None:
    scene.inject_fault("sendMessage", 502)
    with pytest.raises(TelegramUnavailable):
        client.call("sendMessage", chat_id=GROUP, text="ciao")
    assert client.call("sendMessage", chat_id=GROUP, text="ciao").ok  # and the next call goes through


def test_redis_down_raises(sim: RunningSimulator, scene: SimClient) -> None:
    without_redis = BotClient(TOKEN, sim.url, redis_url=f"redis://127.0.0.1:{free_port()}/0")
    with without_redis, pytest.raises(TelegramUnavailable, match="rate limiter unavailable"):
        without_redis.call("getMe")
    assert scene.calls(method="getMe") == []  # nothing is sent unthrottled


def test_a_malformed_token_is_refused_without_echoing_it() -> None:
    with pytest.raises(ValueError) as raised:
        BotClient("not-a-token-but-a-secret", "http://127.0.0.1:1")
    assert "not-a-token-but-a-secret" not in str(raised.value)


# -- 429: wait, retry, give up ---------------------------------------------------------------------------------


def test_a_429_is_waited_out_and_retried(client: BotClient, scene: SimClient, redis_client: redis.Redis) -> None:
    scene.inject_fault("sendMessage", 429, retry_after=1, chat_id=GROUP)
    started = time.monotonic()
    assert client.call("sendMessage", chat_id=GROUP, text="ciao").ok
    assert time.monotonic() - started >= 1.0
    first, second = scene.calls(method="sendMessage", chat_id=GROUP)
    assert (first["status"], second["status"]) == (429, 200) and second["time"] - first["time"] >= 1.0


def test_a_429_beyond_the_retries_raises_flood_wait(sim: RunningSimulator, redis_url: str, scene: SimClient) -> None:
    scene.inject_fault("sendMessage", 429, retry_after=1, chat_id=GROUP, times=5)
    bot = make_client(sim, redis_url, RateLimits(per_chat=None, per_group=None, per_bot=None, max_retries=1))
    with bot, pytest.raises(FloodWait) as raised:
        bot.call("sendMessage", chat_id=GROUP, text="ciao")
    assert raised.value.retry_after == 1 and isinstance(raised.value, TelegramUnavailable)
    assert [call["status"] for call in scene.calls(method="sendMessage")] == [429, 429]


def test_a_long_retry_after_pauses_the_chat_and_raises_at_once(
    client: BotClient, scene: SimClient, redis_client: redis.Redis
) -> None:
    scene.inject_fault("sendMessage", 429, retry_after=34, chat_id=GROUP)
    started = time.monotonic()
    with pytest.raises(FloodWait) as raised:
        client.call("sendMessage", chat_id=GROUP, text="ciao")
    assert raised.value.retry_after == 34 and time.monotonic() - started < 1.0
    assert 30_000 < redis_client.pttl(f"aula:rl:{BOT_ID}:pause:{GROUP}") <= 34_100
    with pytest.raises(FloodWait):  # the paused chat is not even tried...
        client.call("sendMessage", chat_id=GROUP, text="ancora")
    assert client.call("sendMessage", chat_id=OTHER_GROUP, text="altrove").ok  # ...other chats are
    assert len(scene.calls(method="sendMessage", chat_id=GROUP)) == 1


# -- the shared budget -----------------------------------------------------------------------------------------


def test_a_process_keeps_within_the_per_chat_budget(
    sim: RunningSimulator, redis_url: str, scene: SimClient, redis_client: redis.Redis
) -> None:
    scene.configure(rate_limits={"enabled": True, "per_chat": [2, 0.5]})
    limits = RateLimits(per_chat=Window(2, 0.5), per_group=None, per_bot=Window(30, 1.0), margin=0.05)
    started = time.monotonic()
    with make_client(sim, redis_url, limits) as bot:
        assert all(bot.call("sendMessage", chat_id=ADA, text=str(n)).ok for n in range(6))
    assert time.monotonic() - started >= 1.0  # 2 now, 2 after half a second, 2 after another
    assert {call["status"] for call in scene.calls(method="sendMessage")} == {200}
    assert 0 < redis_client.pttl(f"aula:rl:{BOT_ID}:chat:{ADA}") <= 550
    assert all(key.startswith(b"aula:rl:") for key in redis_client.scan_iter() if key != b"aula:test:claimed")


def test_moderation_calls_are_not_throttled(client: BotClient, scene: SimClient) -> None:
    with make_client_like(client, RateLimits(per_chat=Window(1, 60.0), per_group=Window(1, 60.0))) as bot:
        started = time.monotonic()
        for _ in range(5):
            assert bot.call("getChatMember", chat_id=GROUP, user_id=ADA).ok
        assert time.monotonic() - started < 1.0


def make_client_like(client: BotClient, limits: RateLimits) -> BotClient:
    return BotClient(TOKEN, client.api_url, redis_url=client.redis_url, limits=limits)


def run_senders(
    sim: RunningSimulator, redis_url: str, redis_client: redis.Redis, specs: list[dict], go_between=None
) -> list[list[dict]]:
    """Start one OS process per spec, release them together (or one by one through go_between), collect results."""
    processes = []
    for spec in specs:
        full = {
            "token": TOKEN,
            "api_url": sim.url,
            "redis_url": redis_url,
            "ready_key": "t:ready",
            "go_key": f"t:go:{spec['name']}",
        } | spec
        processes.append(
            subprocess.Popen([sys.executable, str(SENDER), json.dumps(full)], stdout=subprocess.PIPE, text=True)
        )
    try:
        wait_until(lambda: redis_client.llen("t:ready") == len(specs), timeout=30, what="sender processes ready")
        if go_between is None:
            for spec in specs:
                redis_client.set(f"t:go:{spec['name']}", 1)
        else:
            go_between(redis_client)
        outputs = [process.communicate(timeout=60)[0] for process in processes]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
    assert [process.returncode for process in processes] == [0] * len(processes), outputs
    return [json.loads(output.strip().splitlines()[-1]) for output in outputs]


def max_in_any_window(times: list[float], seconds: float) -> int:
    times = sorted(times)
    return max((sum(1 for t in times[i:] if t < start + seconds) for i, start in enumerate(times)), default=0)


def test_two_processes_never_exceed_the_per_chat_and_per_group_budgets(
    sim: RunningSimulator, redis_url: str, scene: SimClient, redis_client: redis.Redis
) -> None:
    scene.configure(rate_limits={"enabled": True, "per_chat": [3, 1.0], "per_group": [4, 1.0], "per_bot": [30, 1.0]})
    limits = {"per_chat": [3, 1.0], "per_group": [4, 1.0], "per_bot": [30, 1.0], "margin": 0.1}
    specs = [{"name": name, "count": 4, "chats": [GROUP, ADA], "limits": limits} for name in ("a", "b")]
    results = run_senders(sim, redis_url, redis_client, specs)
    assert all(result["ok"] for process in results for result in process), results
    calls = scene.calls(method="sendMessage")
    assert len(calls) == 16 and {call["status"] for call in calls} == {200}  # no 429 at all
    group_times = [call["time"] for call in calls if call["chat_id"] == GROUP]
    private_times = [call["time"] for call in calls if call["chat_id"] == ADA]
    assert max_in_any_window(group_times, 1.0) <= 4
    assert max_in_any_window(private_times, 1.0) <= 3
    assert {call["params"]["text"][0] for call in calls} == {"a", "b"}  # both processes did send


def test_without_a_shared_budget_the_same_processes_trip_flood_control(
    sim: RunningSimulator, redis_url: str, scene: SimClient, redis_client: redis.Redis
) -> None:
    """The control for the test above: the simulator does catch two processes that do not share a budget."""
    scene.configure(rate_limits={"enabled": True, "per_chat": [3, 1.0], "per_group": [4, 1.0], "per_bot": [30, 1.0]})
    limits = {"max_retries": 0}
    specs = [{"name": name, "count": 4, "chats": [GROUP, ADA], "limits": limits} for name in ("a", "b")]
    results = run_senders(sim, redis_url, redis_client, specs)
    assert any("flood_wait" in result for process in results for result in process)
    assert 429 in {call["status"] for call in scene.calls(method="sendMessage")}


def test_a_429_seen_by_one_process_pauses_the_other(
    sim: RunningSimulator, redis_url: str, scene: SimClient, redis_client: redis.Redis
) -> None:
    scene.inject_fault("sendMessage", 429, retry_after=2, chat_id=GROUP)
    pause_key = f"aula:rl:{BOT_ID}:pause:{GROUP}"
    no_budgets: dict = {}
    specs = [{"name": name, "count": 1, "chats": [GROUP], "limits": no_budgets} for name in ("a", "b")]

    def a_then_b(connection: redis.Redis) -> None:
        connection.set("t:go:a", 1)
        wait_until(lambda: connection.exists(pause_key), timeout=10, interval=0.005, what="the pause set by a")
        connection.set("t:go:b", 1)  # b starts while a waits out its 429

    results = run_senders(sim, redis_url, redis_client, specs, go_between=a_then_b)
    assert results == [[{"chat_id": GROUP, "ok": True, "error_code": None}]] * 2
    refused, *sent = scene.calls(method="sendMessage", chat_id=GROUP)
    assert refused["status"] == 429 and [call["status"] for call in sent] == [200, 200]
    assert {call["params"]["text"] for call in sent} == {"a 0", "b 0"}
    assert min(call["time"] for call in sent) - refused["time"] >= 1.9  # b, too, waited for the pause


def test_threads_each_get_their_own_loop(client: BotClient) -> None:
    outcomes: list[Outcome] = []

    def work() -> None:
        outcomes.extend(client.call("getChatMember", chat_id=GROUP, user_id=ADA) for _ in range(3))
        client.close()

    threads = [threading.Thread(target=work) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(outcomes) == 9 and all(outcome.ok for outcome in outcomes)


def test_from_settings(sim: RunningSimulator, redis_url: str, scene: SimClient) -> None:
    settings = Settings(telegram_api_url=sim.url, redis_url=redis_url)
    with BotClient.from_settings(TOKEN, settings) as bot:
        assert bot.call("getMe").result["username"] == "aula_test_bot"
        assert repr(bot) == f"BotClient(bot_id={BOT_ID}, api_url={sim.url!r})"


def test_tokens_never_reach_the_logs(sim: RunningSimulator, redis_url: str, scene: SimClient) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root, httpx_logger = logging.getLogger(), logging.getLogger("httpx")
    saved = (root.level, httpx_logger.level)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    httpx_logger.setLevel(logging.DEBUG)
    try:
        scene.inject_fault("sendMessage", 429, retry_after=1, chat_id=GROUP)
        with make_client(sim, redis_url) as bot:
            bot.call("sendMessage", chat_id=GROUP, text="ciao")
            bot.call("deleteMessage", chat_id=GROUP, message_id=999)
        with BotClient(TOKEN, f"http://127.0.0.1:{free_port()}", redis_url=redis_url) as unreachable:
            with pytest.raises(TelegramUnavailable) as raised:
                unreachable.call("getMe")
            logging.getLogger("aula.test").exception("giving up", exc_info=raised.value)
    finally:
        root.removeHandler(handler)
        root.setLevel(saved[0])
        httpx_logger.setLevel(saved[1])
    output = stream.getvalue()
    assert "HTTP Request: POST" in output and "[redacted]" in output  # the URL lines were there, redacted
    assert TOKEN not in output and TOKEN.split(":")[1] not in output


def test_without_redis_429s_are_still_waited_out(sim: RunningSimulator, scene: SimClient) -> None:
    """The one-off CLI case (`aula bots add`): no shared budget, but a 429 is honoured, not returned."""
    scene.inject_fault("getMe", 429, retry_after=1)
    started = time.monotonic()
    with BotClient(TOKEN, sim.url) as standalone:
        assert standalone.call("getMe").ok
    assert time.monotonic() - started >= 1.0
    assert [call["status"] for call in scene.calls(method="getMe")] == [429, 200]


def _call_in_child(client: BotClient, results) -> None:
    results.put(client.call("getChatMember", chat_id=GROUP, user_id=ADA).ok)


def test_a_forked_worker_gets_its_own_loop_and_connections(client: BotClient, scene: SimClient) -> None:
    """Celery's prefork pool forks after the parent may have used the client."""
    assert client.call("getMe").ok
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    child = context.Process(target=_call_in_child, args=(client, results))
    child.start()
    child.join(timeout=20)
    assert child.exitcode == 0 and results.get(timeout=1) is True
    assert client.call("getMe").ok  # and the parent's session still works
    assert len(scene.calls(method="getChatMember")) == 1
