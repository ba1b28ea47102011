"""The catalog's own settings, read from the environment beside the platform's Settings.

- `CATALOG_CORS_ORIGINS`: comma-separated origins allowed to call `/api` from a browser, or `*`.
  Default: none (no CORS headers). Production: `https://studentiunimi.it,https://www.studentiunimi.it`.
- `CATALOG_CACHE_MAX_AGE`: seconds clients and proxies may reuse an API answer without asking (default 60).
- `CATALOG_REVISION_TTL`: seconds a worker trusts its last read of the catalog's revision, i.e. how long
  after a change a client may still be told "not modified" (default 1).
- `CATALOG_ANSWER_CACHE_MB`: memory per worker process for answers kept until the catalog changes
  (default 32; 0 turns the cache off).
- `CATALOG_SECURE_COOKIES`: `1`/`0`, staff-admin cookies only over HTTPS (default 1; 0 in embedded mode).
- `CATALOG_TRUSTED_PROXIES`: how many reverse proxies (Traefik…) stand between clients and the catalog, each adding
  itself to `X-Forwarded-For`; the client's address is read that many hops from the right (default 0: the TCP
  peer, `X-Forwarded-For` ignored). Set it to exactly the number of proxies: one too many and a client can claim
  any address by sending the header itself (the staff login's brake is per address).
- `CATALOG_SECRET_KEY_FILE`: where embedded mode keeps a generated key when `SECRET_KEY` is unset
  (default `var/catalog-secret-key`).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from aula_shared.settings import Settings, SettingsError, env_flag, env_number


@dataclass(frozen=True)
class CatalogConfig:
    cors_origins: frozenset[str] = frozenset()
    cache_max_age: int = 60
    revision_ttl: float = 1.0
    answer_cache_mb: int = 32
    secure_cookies: bool = True
    secret_key_file: str = "var/catalog-secret-key"  # noqa: S105 - a path, not a secret
    trusted_proxies: int = 0

    @classmethod
    def from_env(cls, settings: Settings, env: Mapping[str, str] | None = None) -> CatalogConfig:
        env = os.environ if env is None else env
        origins = frozenset(
            origin.strip().rstrip("/") for origin in env.get("CATALOG_CORS_ORIGINS", "").split(",") if origin.strip()
        )
        return cls(
            cors_origins=origins,
            cache_max_age=int(env_number(env, "CATALOG_CACHE_MAX_AGE", 60, allow_zero=True)),
            revision_ttl=env_number(env, "CATALOG_REVISION_TTL", 1.0, allow_zero=True),
            answer_cache_mb=int(env_number(env, "CATALOG_ANSWER_CACHE_MB", 32, allow_zero=True)),
            secure_cookies=env_flag(env, "CATALOG_SECURE_COOKIES", not settings.embedded),
            secret_key_file=env.get("CATALOG_SECRET_KEY_FILE", "").strip() or "var/catalog-secret-key",
            trusted_proxies=_hops(env),
        )


def _hops(env: Mapping[str, str]) -> int:
    raw = env.get("CATALOG_TRUSTED_PROXIES", "").strip() or "0"
    if not raw.isdigit() or int(raw) > 10:
        raise SettingsError(f"CATALOG_TRUSTED_PROXIES must be a whole number of proxies from 0 to 10, got {raw!r}")
    return int(raw)


def secret_key(settings: Settings, config: CatalogConfig) -> str:
    """SECRET_KEY; embedded mode without one generates a key once and keeps it in a private file.

    A file rather than a per-process random key: every worker process must sign sessions with the same key.
    """
    if settings.secret_key:
        return settings.secret_key
    if not settings.embedded:
        raise SettingsError("SECRET_KEY is required outside embedded mode")
    path = Path(config.secret_key_file)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(descriptor, "w") as handle:
        key = secrets.token_urlsafe(48)
        handle.write(key)
    return key
