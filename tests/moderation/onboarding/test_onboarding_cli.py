"""`aula onboarding import-filters`: MozIta's forbidden words as the network's default filter set, idempotent;
bad input is one line of error and stores nothing."""

from __future__ import annotations

import subprocess

from conftest import SHELF
from sqlalchemy import func, select
from support import AULA

from aula_moderation.chats import records as chats
from aula_moderation.onboarding import filters, settings
from aula_moderation.onboarding.models import FilterRule
from aula_shared.db import session_scope

MOZITA = SHELF / "research/seed-data/mozita-antispam/parole_vietate.json"
CHAT, OTHER, BOT = -1001000000881, -1001000000882, 7000000009


def aula(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run([AULA, "onboarding", "import-filters", *args], env=env, capture_output=True, text=True,
                          timeout=60)  # fmt: skip


def rule_count(url: str) -> int:
    with session_scope(url) as session:
        return session.scalar(select(func.count()).select_from(FilterRule))


def test_mozita_words_become_network_rules_once(platform_env, clean_tables, migrated_pg):
    first = aula(platform_env, str(MOZITA))
    assert first.returncode == 0, first.stderr
    assert (
        first.stdout.strip() == "21 rules added, 0 already there (21 in parole_vietate.json, substring, network-wide)"
    )
    again = aula(platform_env, str(MOZITA))
    assert again.stdout.startswith("0 rules added, 21 already there")
    assert rule_count(migrated_pg) == 21
    chats.manage(migrated_pg, CHAT, BOT, "Analisi", "it")
    with session_scope(migrated_pg) as session:
        assert {r.chat_id for r in session.scalars(select(FilterRule))} == {None}
        rules = filters.rules_for(session, CHAT)  # network rules apply in every group
    assert filters.first_match(rules, "che CAZZÒ dici") == "cazzo"
    assert filters.first_match(rules, "ok 🖕🏻") is not None
    assert filters.first_match(rules, "buongiorno a tutti") is None


def test_mode_goes_to_the_network_and_groups_without_their_own_follow(platform_env, clean_tables, migrated_pg):
    chats.manage(migrated_pg, CHAT, BOT, "Analisi", "it")
    chats.manage(migrated_pg, OTHER, BOT, "Fisica", "it")
    with session_scope(migrated_pg) as session:
        settings.save(session, OTHER, filter_mode="alert")
    result = aula(platform_env, str(MOZITA), "--mode", "delete")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "filter mode delete set for the network; 1 group(s) keep their own"
    with session_scope(migrated_pg) as session:
        assert settings.load(session, CHAT)["filter_mode"] == "delete"
        assert settings.load(session, OTHER)["filter_mode"] == "alert"


def test_group_rules_and_regexes(platform_env, clean_tables, migrated_pg, tmp_path):
    chats.manage(migrated_pg, CHAT, BOT, "Analisi", "it")
    words = tmp_path / "words.txt"
    words.write_text("# spam links\n\\bt\\.me/\\w+\n\nfree crypto\n", encoding="utf-8")
    result = aula(platform_env, str(words), "--kind", "regex", "--chat", str(CHAT))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("2 rules added, 0 already there (2 in words.txt, regex, in 1 group(s))")
    with session_scope(migrated_pg) as session:
        assert filters.first_match(filters.rules_for(session, CHAT), "join t.me/scam now")
        assert filters.rules_for(session, OTHER) == []


def one_line_error(result: subprocess.CompletedProcess) -> str:
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_bad_input_is_one_line_and_stores_nothing(platform_env, clean_tables, migrated_pg, tmp_path):
    broken = tmp_path / "broken.txt"
    broken.write_text("fine\n(unclosed\n", encoding="utf-8")
    error = one_line_error(aula(platform_env, str(broken), "--kind", "regex"))
    assert "entry 2 ('(unclosed')" in error and "invalid regular expression" in error and "nothing imported" in error
    not_json = tmp_path / "list.json"
    not_json.write_text('["a", 3]', encoding="utf-8")
    assert "only strings" in one_line_error(aula(platform_env, str(not_json)))
    assert "cannot read" in one_line_error(aula(platform_env, str(tmp_path / "missing.json")))
    assert "not managed" in one_line_error(aula(platform_env, str(MOZITA), "--chat", "-1009999"))
    assert rule_count(migrated_pg) == 0
