"""Settings come from the environment exactly as CONTRACT.md names them."""

from __future__ import annotations

import pytest

from aula_shared.settings import Settings, SettingsError


def test_defaults_are_the_embedded_platform():
    settings = Settings.from_env({})
    assert settings.database_url == "sqlite:///var/aula.db"
    assert settings.redis_url is None and settings.embedded
    assert settings.telegram_api_url == "https://api.telegram.org"
    assert (settings.catalog_port, settings.gateway_port, settings.tgsim_port) == (8000, 8001, 8081)
    assert settings.default_language == "it"
    assert settings.log_chat_id is None and settings.staff_chat_id is None


def test_each_service_may_have_its_own_database():
    settings = Settings.from_env(
        {"DATABASE_URL": "postgresql://db/aula", "STATS_DATABASE_URL": "postgresql://db/stats", "SECRET_KEY": "k"}
    )
    assert settings.database_url_for("stats") == "postgresql://db/stats"
    assert settings.database_url_for("catalog") == "postgresql://db/aula"
    assert settings.database_url_for("platform") == "postgresql://db/aula"


def test_production_mode_requires_a_secret_key():
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        Settings.from_env({"REDIS_URL": "redis://localhost:6379/0"})
    settings = Settings.from_env({"REDIS_URL": "redis://localhost:6379/0", "SECRET_KEY": "x"})
    assert not settings.embedded


def test_secrets_can_be_read_from_files(tmp_path):
    (tmp_path / "key").write_text("from-a-file\n")
    settings = Settings.from_env({"REDIS_URL": "redis://r", "SECRET_KEY_FILE": str(tmp_path / "key")})
    assert settings.secret_key == "from-a-file"
    with pytest.raises(SettingsError, match="SECRET_KEY_FILE: cannot read"):
        Settings.from_env({"REDIS_URL": "redis://r", "SECRET_KEY_FILE": str(tmp_path / "missing")})


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEFAULT_LANGUAGE": "fr"}, "DEFAULT_LANGUAGE must be one of it, en"),
        ({"LOG_CHAT_ID": "the log chat"}, "LOG_CHAT_ID must be an integer"),
        ({"GATEWAY_PORT": "80a"}, "GATEWAY_PORT must be an integer"),
    ],
)
def test_bad_values_are_named(env, message):
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(env)


def test_chat_ids_and_api_url():
    settings = Settings.from_env(
        {"LOG_CHAT_ID": "-1001234", "STAFF_CHAT_ID": "-1005678", "TELEGRAM_API_URL": "http://127.0.0.1:8081/"}
    )
    assert (settings.log_chat_id, settings.staff_chat_id) == (-1001234, -1005678)
    assert settings.telegram_api_url == "http://127.0.0.1:8081"


def test_service_settings_helpers_name_the_variable():
    from aula_shared.settings import env_flag, env_number

    assert env_number({}, "X_SECONDS", 5) == 5
    assert env_number({"X_SECONDS": "2.5"}, "X_SECONDS", 5) == 2.5
    assert env_number({"X_CACHE_MB": "0"}, "X_CACHE_MB", 32, allow_zero=True) == 0
    with pytest.raises(SettingsError, match="X_SECONDS must be positive"):
        env_number({"X_SECONDS": "0"}, "X_SECONDS", 5)
    with pytest.raises(SettingsError, match="X_SECONDS must be a number"):
        env_number({"X_SECONDS": "soon"}, "X_SECONDS", 5)
    assert env_flag({"X_ON": "yes"}, "X_ON", False) is True
    assert env_flag({}, "X_ON", True) is True
    with pytest.raises(SettingsError, match="X_ON must be 1 or 0"):
        env_flag({"X_ON": "maybe"}, "X_ON", False)
