"""`aula groups add|list|remove`, as the operator runs them: remove ends management and keeps the records."""

from __future__ import annotations

import subprocess

import pytest
from support import AULA

from aula_moderation.chats import records as chats
from aula_shared.platform.registry import save_bot

TOKEN = "7000000004:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsbw"
BOT_ID = 7000000004


def aula(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run([AULA, *args], env=env, capture_output=True, text=True, timeout=60)


@pytest.fixture
def env(platform_env, clean_tables) -> dict[str, str]:
    save_bot(platform_env["DATABASE_URL"], BOT_ID, "groups_bot", TOKEN)
    return platform_env


def test_groups_list_then_remove_keeps_the_records(env):
    assert aula(env, "groups", "list").stdout.strip().startswith("no managed chats")
    for chat_id, title in (("-1002", "Fisica"), ("-1001", "Analisi")):
        added = aula(env, "groups", "add", chat_id, "--bot", str(BOT_ID), "--title", title)
        assert added.returncode == 0, added.stderr
    listing = aula(env, "groups", "list")
    assert listing.stdout.splitlines() == [f"-1002\tbot {BOT_ID}\tit\tFisica", f"-1001\tbot {BOT_ID}\tit\tAnalisi"]

    removed = aula(env, "groups", "remove", "-1001")
    assert removed.returncode == 0, removed.stderr
    assert removed.stdout.startswith("no longer managing chat -1001")
    assert aula(env, "groups", "list").stdout.splitlines() == [f"-1002\tbot {BOT_ID}\tit\tFisica"]
    assert not chats.is_managed(env["DATABASE_URL"], -1001)
    kept = chats.find(env["DATABASE_URL"], -1001)
    assert kept is not None and kept.title == "Analisi"  # the record stays: adding it again picks it up

    again = aula(env, "groups", "add", "-1001", "--bot", str(BOT_ID))
    assert again.stdout.strip() == f"managing chat -1001 with bot {BOT_ID}"
    assert f"-1001\tbot {BOT_ID}\tit\tAnalisi" in aula(env, "groups", "list").stdout.splitlines()


@pytest.mark.parametrize("chat_id", ["-1001", "-1003"])  # once managed and removed; never known
def test_removing_a_chat_that_is_not_managed_is_one_line_and_writes_nothing(env, chat_id):
    aula(env, "groups", "add", "-1001", "--bot", str(BOT_ID))
    aula(env, "groups", "remove", "-1001")
    before = chats.find(env["DATABASE_URL"], -1001).updated_at
    result = aula(env, "groups", "remove", chat_id)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [f"aula: chat {chat_id} is not managed; see `aula groups list`"]
    assert chats.find(env["DATABASE_URL"], -1001).updated_at == before
    assert chats.find(env["DATABASE_URL"], -1003) is None
