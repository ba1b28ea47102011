"""A stand-in worker process for the cross-process limiter tests (run as a script, not collected).

Argument: a JSON spec. Builds a BotClient, warms it up, announces itself on `ready_key`, waits for `go_key`,
sends `count` messages to each chat of `chats` (interleaved) and prints one JSON line of results.
"""

from __future__ import annotations

import json
import sys
import time

import redis

from aula_shared.telegram import BotClient, FloodWait, RateLimits, Window


def limits_from(spec: dict) -> RateLimits:
    def window(name: str) -> Window | None:
        value = spec.get(name)
        return Window(*value) if value else None

    return RateLimits(
        per_chat=window("per_chat"),
        per_group=window("per_group"),
        per_bot=window("per_bot"),
        margin=spec.get("margin", 0.1),
        max_wait=spec.get("max_wait", 10.0),
        max_retries=spec.get("max_retries", 2),
    )


def main() -> None:
    spec = json.loads(sys.argv[1])
    client = BotClient(spec["token"], spec["api_url"], redis_url=spec["redis_url"], limits=limits_from(spec["limits"]))
    assert client.call("getMe").ok  # connections and the event loop ready before the start signal
    connection = redis.Redis.from_url(spec["redis_url"])
    connection.rpush(spec["ready_key"], spec["name"])
    while not connection.exists(spec["go_key"]):
        time.sleep(0.002)
    results = []
    for n in range(spec["count"]):
        for chat_id in spec["chats"]:
            try:
                outcome = client.call("sendMessage", chat_id=chat_id, text=f"{spec['name']} {n}")
                results.append({"chat_id": chat_id, "ok": outcome.ok, "error_code": outcome.error_code})
            except FloodWait as error:
                results.append({"chat_id": chat_id, "ok": False, "flood_wait": error.retry_after})
    client.close()
    print(json.dumps(results))


if __name__ == "__main__":
    main()
