"""The stats worker's own settings (environment variables beside the platform's; all optional)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from aula_shared.settings import env_number


@dataclass(frozen=True)
class StatsConfig:
    # Group sync: how often each chat is synced, and how many chats one run (each minute) takes at most.
    sync_interval: timedelta = timedelta(hours=1)
    sync_per_run: int = 20
    # Tracked public profiles: how often each page is read, where, and how long a blank result may be a glitch.
    profile_interval: timedelta = timedelta(minutes=1)
    tme_url: str = "https://t.me"
    blank_grace: timedelta = timedelta(minutes=5)
    # Retention: per-user daily counts older than this become per-chat totals; processed update ids are kept
    # a week (the gateway forgets ids after 48 h, so no redelivery can be older).
    retention: timedelta = timedelta(days=400)
    processed_retention: timedelta = timedelta(days=7)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> StatsConfig:
        env = os.environ if env is None else env
        return cls(
            sync_interval=timedelta(minutes=env_number(env, "STATS_SYNC_INTERVAL_MINUTES", 60)),
            sync_per_run=int(env_number(env, "STATS_SYNC_PER_RUN", 20)),
            profile_interval=timedelta(minutes=env_number(env, "STATS_PROFILE_INTERVAL_MINUTES", 1)),
            tme_url=(env.get("STATS_TME_URL", "").strip() or "https://t.me").rstrip("/"),
            blank_grace=timedelta(minutes=env_number(env, "STATS_BLANK_GRACE_MINUTES", 5)),
            retention=timedelta(days=env_number(env, "STATS_RETENTION_DAYS", 400)),
        )
