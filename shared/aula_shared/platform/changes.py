"""Telling every gateway process at once that the bot registry changed.

Whatever changes the registry (the CLI, the staff admin) publishes one message on CHANNEL after its commit;
each gateway process listens in a thread of its own and reloads its in-memory copy when the message comes, so
a bot added, removed or given a new webhook secret is known everywhere within milliseconds — Telegram starts
delivering the moment setWebhook returns. The gateway's periodic reload stays as the net for a message lost
while a process was disconnected from Redis, and a listener reloads once each time it (re)subscribes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import redis

log = logging.getLogger(__name__)

CHANNEL = "aula:platform:bots:changed"
RETRY_SECONDS = 1.0  # after a lost connection; doubled on each failure in a row, up to MAX_RETRY_SECONDS
MAX_RETRY_SECONDS = 30.0  # the periodic reload's period: waiting longer would add nothing


def announce(redis_url: str | None) -> bool:
    """Tell the gateways to reload; False if they could not be told (they then catch up within their period)."""
    if not redis_url:
        return False
    connection = redis.Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=2)
    try:
        connection.publish(CHANNEL, b"changed")
        return True
    except redis.RedisError as error:
        log.warning("could not announce a bot registry change", extra={"error": type(error).__name__})
        return False
    finally:
        connection.close()


def follow(redis_url: str, on_change: Callable[[], None], retry_seconds: float = RETRY_SECONDS) -> None:
    """Call `on_change` on every announcement, and once after each (re)subscription; runs forever."""
    delay = retry_seconds
    while True:
        connection = redis.Redis.from_url(redis_url, socket_connect_timeout=2, socket_keepalive=True)
        try:
            with connection.pubsub(ignore_subscribe_messages=False) as pubsub:
                pubsub.subscribe(CHANNEL)
                for message in pubsub.listen():
                    # The subscription's confirmation: changes made while unsubscribed are picked up now.
                    if message["type"] in ("subscribe", "message"):
                        delay = retry_seconds
                        on_change()
        except redis.RedisError as error:
            log.warning("bot registry announcements interrupted", extra={"error": type(error).__name__})
        except Exception:
            log.exception("bot registry announcements failed")
        finally:
            connection.close()
        time.sleep(delay)
        delay = min(delay * 2, MAX_RETRY_SECONDS)
