"""Settings, read once from the environment (names as in CONTRACT.md)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

DEFAULT_DATABASE_URL = "sqlite:///var/aula.db"
DEFAULT_TELEGRAM_API_URL = "https://api.telegram.org"
LANGUAGES = ("it", "en")


class SettingsError(ValueError):
    """A variable of the environment has a value Aula cannot use."""


# Secrets may come as files (Docker/Swarm secrets): NAME_FILE=/run/secrets/… is read in place of NAME.
_SECRET_VARIABLES = (
    "SECRET_KEY",
    "DATABASE_URL",
    "CATALOG_DATABASE_URL",
    "MODERATION_DATABASE_URL",
    "STATS_DATABASE_URL",
    "REDIS_URL",
)


def _with_secret_files(env: Mapping[str, str]) -> dict[str, str]:
    resolved = dict(env)
    for name in _SECRET_VARIABLES:
        path = env.get(f"{name}_FILE")
        if path and not env.get(name):
            try:
                with open(path, encoding="utf-8") as secret:
                    resolved[name] = secret.read().strip()
            except OSError as error:
                raise SettingsError(f"{name}_FILE: cannot read {path}: {error.strerror}") from None
    return resolved


def _optional_int(env: Mapping[str, str], name: str) -> int | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be an integer, got {raw!r}") from None


def env_number(env: Mapping[str, str], name: str, default: float, *, allow_zero: bool = False) -> float:
    """A service's numeric setting: the default when unset, a SettingsError naming the variable when wrong."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from None
    if value < 0 or (value == 0 and not allow_zero):
        raise SettingsError(f"{name} must be {'zero or more' if allow_zero else 'positive'}, got {raw!r}")
    return value


def env_flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    """A service's on/off setting: 1/true/yes/on or 0/false/no/off."""
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"{name} must be 1 or 0, got {raw!r}")


def _port(env: Mapping[str, str], name: str, default: int) -> int:
    value = _optional_int(env, name)
    return default if value is None else value


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    component_database_urls: Mapping[str, str] = field(default_factory=dict)
    redis_url: str | None = None
    telegram_api_url: str = DEFAULT_TELEGRAM_API_URL
    secret_key: str | None = None
    log_chat_id: int | None = None
    staff_chat_id: int | None = None
    default_language: str = "it"
    host: str = "127.0.0.1"
    catalog_port: int = 8000
    gateway_port: int = 8001
    tgsim_port: int = 8081
    # Set by `aula run` when it provides the embedded Redis itself; relaxes what production requires.
    embedded: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = _with_secret_files(os.environ if env is None else env)
        language = env.get("DEFAULT_LANGUAGE", "it").strip() or "it"
        if language not in LANGUAGES:
            raise SettingsError(f"DEFAULT_LANGUAGE must be one of {', '.join(LANGUAGES)}, got {language!r}")
        redis_url = env.get("REDIS_URL", "").strip() or None
        embedded = redis_url is None or env.get("AULA_EMBEDDED") == "1"
        settings = cls(
            database_url=env.get("DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL,
            component_database_urls={
                name: env[f"{name.upper()}_DATABASE_URL"].strip()
                for name in ("catalog", "moderation", "stats")
                if env.get(f"{name.upper()}_DATABASE_URL", "").strip()
            },
            redis_url=redis_url,
            telegram_api_url=(env.get("TELEGRAM_API_URL", "").strip() or DEFAULT_TELEGRAM_API_URL).rstrip("/"),
            secret_key=env.get("SECRET_KEY") or None,
            log_chat_id=_optional_int(env, "LOG_CHAT_ID"),
            staff_chat_id=_optional_int(env, "STAFF_CHAT_ID"),
            default_language=language,
            host=env.get("AULA_HOST", "127.0.0.1"),
            catalog_port=_port(env, "CATALOG_PORT", 8000),
            gateway_port=_port(env, "GATEWAY_PORT", 8001),
            tgsim_port=_port(env, "TGSIM_PORT", 8081),
            embedded=embedded,
        )
        if not embedded and not settings.secret_key:
            raise SettingsError("SECRET_KEY is required when REDIS_URL is set (production mode)")
        return settings

    def database_url_for(self, component: str) -> str:
        """The SQLAlchemy URL of one component: its own override, else DATABASE_URL."""
        return self.component_database_urls.get(component, self.database_url)

    def require_redis(self) -> str:
        if not self.redis_url:
            raise SettingsError("REDIS_URL is not set; start the platform with `aula run` for the embedded default")
        return self.redis_url
