"""The operator CLI: what works prints one line of result, what is wrong one line of error and a non-zero exit."""

from __future__ import annotations

import re
import subprocess

import pytest
from support import AULA, free_port

from aula_tgsim.testing import start_simulator

TOKEN = "7000000002:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsbw"


def aula(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run([AULA, *args], env=env, capture_output=True, text=True, timeout=60)


def one_line_error(result: subprocess.CompletedProcess) -> str:
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("aula: ")
    return lines[0]


@pytest.fixture
def sim():
    with start_simulator() as running:
        running.client.add_bot(TOKEN, username="cli_bot")
        yield running


def test_db_upgrade_is_idempotent(platform_env):
    first, second = aula(platform_env, "db", "upgrade"), aula(platform_env, "db", "upgrade")
    assert first.returncode == second.returncode == 0
    assert "stats: up to date" in second.stdout and "platform: up to date" in second.stdout


def test_bots_add_then_list_then_groups_add(platform_env, clean_tables, sim):
    env = dict(platform_env, TELEGRAM_API_URL=sim.url)
    added = aula(env, "bots", "add", "--token", TOKEN)
    assert added.returncode == 0 and added.stdout.strip() == "registered bot 7000000002 @cli_bot"
    assert sim.client.calls(method="setWebhook") == []  # no --webhook-url: the webhook is left alone
    again = aula(env, "bots", "add", "--token", TOKEN)
    assert again.stdout.strip() == "updated bot 7000000002 @cli_bot"
    listing = aula(env, "bots", "list")
    assert listing.stdout.strip() == "7000000002\t@cli_bot\t7000000002:AA…bw"
    managed = aula(env, "groups", "add", "-1001234", "--bot", "7000000002", "--title", "Analisi")
    assert managed.returncode == 0 and managed.stdout.strip() == "managing chat -1001234 with bot 7000000002"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["bots", "add", "--token", "nonsense"], "a bot token looks like"),
        (["bots", "add", "--token", "7000000009:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDszz"], "Telegram rejected the token"),
        (["bots", "add", "--token", TOKEN, "--webhook-url", "ftp://x"], "--webhook-url must be an http(s) URL"),
        (["groups", "add", "-100", "--bot", "1"], "no registered bot 1"),
        (["groups", "add", "100", "--bot", "1"], "group and supergroup ids are negative"),
        (["groups", "add", "abc", "--bot", "1"], "'abc' is not a valid integer"),
        (["bots", "frobnicate"], "No such command 'frobnicate'"),
        (["bots", "remove", "555"], "no registered bot 555; see `aula bots list`"),
        (["bots", "rotate-secret", "555"], "no registered bot 555; see `aula bots list`"),
        (["bots", "remove", "abc"], "'abc' is not a valid integer"),
        (["groups", "remove", "-100"], "chat -100 is not managed; see `aula groups list`"),
        (["serve", "nothing"], "unknown service 'nothing'"),
    ],
)
def test_bad_arguments_are_one_line_errors(platform_env, clean_tables, sim, args, message):
    line = one_line_error(aula(dict(platform_env, TELEGRAM_API_URL=sim.url), *args))
    assert message in line
    assert TOKEN.split(":")[1] not in line


def test_an_unreachable_bot_api_is_named_without_the_token(platform_env):
    env = dict(platform_env, TELEGRAM_API_URL=f"http://127.0.0.1:{free_port()}")
    line = one_line_error(aula(env, "bots", "add", "--token", TOKEN))
    assert "cannot reach the Bot API" in line
    assert TOKEN.split(":")[1] not in line


def test_bots_remove_then_rotate_secret(platform_env, clean_tables, sim):
    from aula_shared.platform.registry import find_bot

    env = dict(platform_env, TELEGRAM_API_URL=sim.url)
    aula(env, "bots", "add", "--token", TOKEN)
    no_webhook = one_line_error(aula(env, "bots", "rotate-secret", "7000000002"))
    assert "bot 7000000002 has no webhook set by Aula" in no_webhook

    aula(env, "bots", "add", "--token", TOKEN, "--webhook-url", "https://aula.example.org/webhook")
    old = find_bot(platform_env["DATABASE_URL"], 7000000002).webhook_secret
    refused_by_telegram = dict(env, TELEGRAM_API_URL=f"http://127.0.0.1:{free_port()}")
    assert "cannot reach the Bot API" in one_line_error(
        aula(refused_by_telegram, "bots", "rotate-secret", "7000000002")
    )
    assert find_bot(platform_env["DATABASE_URL"], 7000000002).webhook_secret == old  # nothing written

    rotated = aula(env, "bots", "rotate-secret", "7000000002")
    assert (
        rotated.stdout.strip()
        == "new webhook secret set for bot 7000000002 (https://aula.example.org/webhook/7000000002)"
    )
    new = find_bot(platform_env["DATABASE_URL"], 7000000002).webhook_secret
    assert new != old and sim.client.calls(method="setWebhook")[-1]["params"]["secret_token"] == new

    removed = aula(env, "bots", "remove", "7000000002")
    assert removed.returncode == 0 and removed.stdout.strip() == "removed bot 7000000002"
    assert aula(env, "bots", "list").stdout.strip().startswith("no bots registered")
    assert "no registered bot 7000000002" in one_line_error(aula(env, "bots", "remove", "7000000002"))


def test_beat_periods_may_be_set_by_name_and_a_wrong_one_is_a_one_line_error(platform_env):
    from aula_shared.celery import beat_app
    from aula_shared.settings import Settings

    app = beat_app(Settings.from_env(platform_env), {"AULA_BEAT_SECONDS": "moderation-timers=0.5, stats-sweep=2"})
    assert app.conf.beat_schedule["moderation-timers"]["schedule"] == 0.5
    assert app.conf.beat_schedule["stats-sweep"]["schedule"] == 2
    assert app.conf.beat_schedule["moderation-sweep"]["schedule"] == 30  # the others keep their own
    assert app.conf.beat_schedule["moderation-timers"]["task"] == "aula.moderation.timers"
    error = one_line_error(aula(dict(platform_env, AULA_BEAT_SECONDS="moderation-timer=1"), "beat"))
    assert "no beat entry 'moderation-timer'" in error and "moderation-timers" in error
    error = one_line_error(aula(dict(platform_env, AULA_BEAT_SECONDS="moderation-timers=0"), "beat"))
    assert "moderation-timers must be a positive number of seconds" in error


def test_each_component_declares_the_groups_its_commands_join():
    """`aula GROUP …` loads only the components declaring GROUP: a command in an undeclared group would vanish."""
    from aula_shared import components

    for component in components.discover():
        if component.commands:
            joined = {group for group, _command in components.load(component.commands)()}
            assert set(component.command_groups) == joined, component.name


def test_aula_help_lists_every_group_and_a_group_lists_every_command_of_it(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    listed = re.findall(r"^  (\S+)", aula(env, "--help").stdout.partition("Commands:")[2], re.MULTILINE)
    groups = ("bots", "catalog", "groups", "moderation", "onboarding", "roles", "settings", "staff", "stats")
    assert set(groups) <= set(listed), listed
    staff = re.findall(r"^  (\S+)", aula(env, "staff", "--help").stdout.partition("Commands:")[2], re.MULTILINE)
    assert {"create-user", "list", "remove", "set-areas"} <= set(staff), staff
