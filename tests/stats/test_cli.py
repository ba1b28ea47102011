"""`aula stats …` and `aula users …`, run in-process as an operator would (one-line errors, exit statuses)."""

from __future__ import annotations

import csv
import io
import json
import uuid

import psycopg
import pytest
from stats.updates import DAY, ingest, message, user

from aula_shared.cli import main

SECOND_DAY = "2025-11-22"


@pytest.fixture
def env(monkeypatch, stats_url, redis_url):
    for name in ("CATALOG_DATABASE_URL", "MODERATION_DATABASE_URL", "STATS_DATABASE_URL", "AULA_EMBEDDED"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", stats_url)
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("SECRET_KEY", "test-secret-key")
    return stats_url


def aula(capsys, *args: str, stdin: str = "") -> tuple[int, str, str]:
    capsys.readouterr()
    import sys

    saved = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        status = main(list(args))
    finally:
        sys.stdin = saved
    out, err = capsys.readouterr()
    return status, out, err


def test_export_a_view_for_a_date_range_as_csv(env, capsys, tmp_path):
    ingest(env, message(-401, user(41)), message(-401, user(42)), message(-401, user(41), DAY + 86400))
    status, out, _ = aula(capsys, "stats", "export", "daily_chat_activity")
    assert status == 0
    assert list(csv.reader(io.StringIO(out))) == [
        ["day", "chat_id", "messages", "active_users", "joins", "leaves"],
        ["2025-11-21", "-401", "2", "2", "0", "0"],
        [SECOND_DAY, "-401", "1", "1", "0", "0"],
    ]
    target = tmp_path / "activity.csv"
    status, _, err = aula(
        capsys, "stats", "export", "daily_chat_activity", "--from", SECOND_DAY, "--to", SECOND_DAY, "-o", str(target)
    )
    assert status == 0 and "1 rows" in err
    assert target.read_text().splitlines()[1:] == [f"{SECOND_DAY},-401,1,1,0,0"]
    status, out, _ = aula(capsys, "stats", "export", "chat_directory")
    assert status == 0 and "Chat -401" in out


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["stats_users"], "unknown view"),
        (["chat_directory", "--from", "2025-01-01"], "no day column"),
        (["daily_chat_activity", "--from", "2025-02-01", "--to", "2025-01-01"], "after"),
    ],
)
def test_a_bad_export_is_one_line_and_writes_nothing(env, capsys, tmp_path, args, error):
    target = tmp_path / "out.csv"
    status, _, err = aula(capsys, "stats", "export", *args, "-o", str(target))
    assert status == 1 and error in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_the_analyst_role_reads_stats_and_nothing_else(env, capsys):
    ingest(env, message(-402, user(43)))
    name = f"analyst_{uuid.uuid4().hex[:8]}"
    status, out, _ = aula(capsys, "stats", "create-analyst-role", name, "--password-stdin", stdin="s3cret\n")
    assert status == 0 and f"created read-only role {name}" in out
    try:
        assert aula(capsys, "stats", "create-analyst-role", name, "--password-stdin", stdin="again\n")[0] == 0
        as_analyst = psycopg.conninfo.make_conninfo(env, user=name, password="again")
        with psycopg.connect(as_analyst, autocommit=True) as connection:
            assert connection.execute("SELECT messages FROM daily_chat_activity").fetchall() == [(1,)]
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                connection.execute("SELECT count(*) FROM stats_users")  # names and usernames: views only
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                connection.execute("SELECT * FROM platform_bots")  # bot tokens live in the same database
            with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
                connection.execute("DELETE FROM stats_users")
    finally:
        with psycopg.connect(env, autocommit=True) as admin:
            admin.execute(f'DROP OWNED BY "{name}"')
            admin.execute(f'DROP ROLE "{name}"')


def test_the_analyst_role_needs_postgresql_and_a_valid_name(env, capsys, monkeypatch, tmp_path):
    status, _, err = aula(capsys, "stats", "create-analyst-role", "Bad-Name", "--password-stdin", stdin="x\n")
    assert status == 1 and "role name" in err
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/aula.db")
    status, _, err = aula(capsys, "stats", "create-analyst-role", "analyst", "--password-stdin", stdin="x\n")
    assert status == 1 and "need PostgreSQL" in err


def test_users_export_and_erase_reach_the_stats_database(env, capsys):
    ingest(env, message(-403, user(44, "Ada", username="ada44")))
    status, out, _ = aula(capsys, "users", "export", "44")
    assert status == 0
    exported = json.loads(out)
    assert exported["telegram_user_id"] == 44
    assert exported["components"]["stats"]["user"]["username"] == "ada44"
    status, out, _ = aula(capsys, "users", "erase", "44")
    assert status == 0 and "stats: 4 rows erased" in out
    assert json.loads(aula(capsys, "users", "export", "44")[1])["components"] == {}
    status, _, err = aula(capsys, "users", "erase", "0")
    assert status == 2 and "positive" in err
