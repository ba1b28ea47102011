"""`aula catalog import-*` and `aula staff create-user`, run as the operator runs them."""

from __future__ import annotations

import os
import subprocess

import pytest
from catalog.catalog_data import LEGACY
from sqlalchemy import func, select
from support import AULA, ROOT
from werkzeug.security import check_password_hash

from aula_catalog.models import Course, StaffUser
from aula_shared.db import session_scope


def aula(database_url: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.endswith("DATABASE_URL") and k != "REDIS_URL"}
    env["DATABASE_URL"] = database_url
    return subprocess.run(
        [AULA, *args], env=env, input=stdin, capture_output=True, text=True, cwd=ROOT, timeout=120, check=False
    )


def test_import_legacy_prints_counts_and_is_idempotent(new_database):
    url = new_database()
    first = aula(url, "catalog", "import-legacy", str(LEGACY / "src/data/Data.json"))
    assert first.returncode == 0, first.stderr
    assert "imported Data.json" in first.stdout
    assert "  courses: 200 added, 0 updated, 0 unchanged" in first.stdout
    assert "  skipped: 6" in first.stdout
    assert "3 x main group without a Telegram group" in first.stdout
    second = aula(url, "catalog", "import-legacy", str(LEGACY / "src/data/Data.json"))
    assert second.returncode == 0
    assert "  courses: 0 added, 0 updated, 200 unchanged" in second.stdout
    assert second.stdout.rstrip().endswith("nothing changed")


def test_import_degrees_and_courses(new_database):
    url = new_database()
    degrees = aula(url, "catalog", "import-degrees", str(LEGACY / "scraper/degree_data.json"))
    assert degrees.returncode == 0, degrees.stderr
    assert "  degrees: 74 added, 0 updated, 0 unchanged" in degrees.stdout
    assert "3 x no department" in degrees.stdout
    courses = aula(url, "catalog", "import-courses", str(LEGACY / "scraper/course_data.json"))
    assert courses.returncode == 0, courses.stderr
    assert "  courses: 5087 added, 0 updated, 0 unchanged" in courses.stdout
    assert "  skipped: 43" in courses.stdout


def test_a_broken_file_is_one_line_non_zero_and_writes_nothing(new_database, tmp_path):
    url = new_database()
    broken = tmp_path / "Data.json"
    broken.write_text('{"departments": [{"id": "x", "name": "X", "cdls": [{"id": "y", "name": "Y", "is_master": 3}]}]}')
    result = aula(url, "catalog", "import-legacy", str(broken))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"aula: {broken}: departments[0] (x).cdls[0] (y): 'is_master' must be true or false (nothing was imported)"
    ]
    assert aula(url, "catalog", "import-legacy", str(tmp_path / "missing.json")).returncode == 1
    not_catalog = aula(url, "catalog", "import-legacy", str(LEGACY / "data/Rules.json"))
    assert not_catalog.returncode == 1 and "not catalog data" in not_catalog.stderr
    with session_scope(url) as session:
        assert session.scalar(select(func.count()).select_from(Course)) == 0


def test_dry_run_and_options(new_database):
    url = new_database()
    dry = aula(url, "catalog", "import-courses", "--dry-run", str(LEGACY / "scraper/course_data.json"))
    assert dry.returncode == 0 and "dry run: nothing was written" in dry.stdout
    with session_scope(url) as session:
        assert session.scalar(select(func.count()).select_from(Course)) == 0
    featured = aula(url, "catalog", "import-legacy", "--category", "a", str(LEGACY / "data/ExtraGroups.json"))
    assert "featured groups: 17 added" in featured.stdout
    bad = aula(url, "catalog", "import-legacy", "--category", "z", str(LEGACY / "data/ExtraGroups.json"))
    assert bad.returncode == 2


def test_staff_create_user(new_database):
    url = new_database()
    created = aula(url, "staff", "create-user", "alice", "--password-stdin", stdin="correct horse battery\n")
    assert created.returncode == 0, created.stderr
    assert created.stdout.strip() == "staff user alice created"
    assert "correct horse" not in created.stdout + created.stderr
    with session_scope(url) as session:
        user = session.scalars(select(StaffUser).where(StaffUser.username == "alice")).one()
        assert user.password_hash.startswith("scrypt:")
        assert check_password_hash(user.password_hash, "correct horse battery")
        assert user.language == "it"  # the staff admin's default
    english = aula(url, "staff", "create-user", "bob", "--language", "en", "--password-stdin", stdin="x" * 12 + "\n")
    assert english.returncode == 0, english.stderr
    with session_scope(url) as session:
        assert session.scalar(select(StaffUser.language).where(StaffUser.username == "bob")) == "en"
    again = aula(url, "staff", "create-user", "alice", "--password-stdin", stdin="another good password\n")
    assert again.returncode == 1 and "exists" in again.stderr
    updated = aula(
        url, "staff", "create-user", "alice", "--update", "--password-stdin", stdin="another good password\n"
    )
    assert updated.stdout.strip() == "staff user alice updated"


@pytest.mark.parametrize(
    ("username", "password", "message"),
    [("alice", "short", "at least 12 characters"), ("bad name!", "long enough password", "username must be")],
)
def test_staff_create_user_refuses_bad_input(new_database, username, password, message):
    url = new_database()
    result = aula(url, "staff", "create-user", username, "--password-stdin", stdin=password + "\n")
    assert result.returncode == 1
    assert message in result.stderr
    with session_scope(url) as session:
        assert session.scalar(select(func.count()).select_from(StaffUser)) == 0


def test_the_catalog_migrates_with_db_upgrade(tmp_path):
    url = f"sqlite:///{tmp_path / 'aula.db'}"
    result = aula(url, "db", "upgrade")
    assert result.returncode == 0, result.stderr
    assert "catalog: up to date" in result.stdout
    imported = aula(url, "catalog", "import-legacy", str(LEGACY / "src/data/Data.json"))
    assert imported.returncode == 0, imported.stderr


def test_staff_list_and_remove(new_database):
    url = new_database()
    empty = aula(url, "staff", "list")
    assert empty.returncode == 0 and empty.stdout.strip().startswith("no staff users")
    for name, language in (("bob", "en"), ("alice", "it")):
        made = aula(
            url, "staff", "create-user", name, "--language", language, "--password-stdin", stdin="x" * 12 + "\n"
        )
        assert made.returncode == 0, made.stderr
    listing = aula(url, "staff", "list")
    assert listing.stdout.splitlines() == [
        "alice\tit\tcatalog,moderation,onboarding,statistics,staff\tnever logged in",
        "bob\ten\tcatalog,moderation,onboarding,statistics,staff\tnever logged in",
    ]

    removed = aula(url, "staff", "remove", "bob")
    assert removed.returncode == 0 and removed.stdout.strip() == "staff user bob removed"
    assert aula(url, "staff", "list").stdout.splitlines() == [
        "alice\tit\tcatalog,moderation,onboarding,statistics,staff\tnever logged in"
    ]


def test_staff_remove_of_an_unknown_login_is_one_line_and_removes_nothing(new_database):
    url = new_database()
    aula(url, "staff", "create-user", "alice", "--password-stdin", stdin="x" * 12 + "\n")
    result = aula(url, "staff", "remove", "alicia")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == ["aula: no staff user 'alicia'; see `aula staff list`"]
    with session_scope(url) as session:
        assert session.scalars(select(StaffUser.username)).all() == ["alice"]


def stored_areas(url: str, username: str) -> str | None:
    with session_scope(url) as session:
        return session.scalar(select(StaffUser.areas).where(StaffUser.username == username))


def test_staff_logins_get_areas_all_by_default_and_set_areas_changes_them(new_database):
    url = new_database()
    password = "correct horse battery\n"
    assert aula(url, "staff", "create-user", "alice", "--password-stdin", stdin=password).returncode == 0
    assert stored_areas(url, "alice") == "catalog,moderation,onboarding,statistics,staff"  # the first login: all
    made = aula(
        url, "staff", "create-user", "bob", "--areas", "statistics, catalog", "--password-stdin", stdin=password
    )
    assert made.returncode == 0, made.stderr
    assert stored_areas(url, "bob") == "catalog,statistics"
    # --update keeps the areas unless given
    aula(url, "staff", "create-user", "bob", "--update", "--password-stdin", stdin=password)
    assert stored_areas(url, "bob") == "catalog,statistics"
    changed = aula(url, "staff", "set-areas", "bob", "moderation,onboarding")
    assert changed.returncode == 0, changed.stderr
    assert changed.stdout.strip() == "staff user bob: catalog,statistics -> moderation,onboarding"
    assert stored_areas(url, "bob") == "moderation,onboarding"
    assert aula(url, "staff", "set-areas", "bob", "all").returncode == 0
    assert stored_areas(url, "bob") == "catalog,moderation,onboarding,statistics,staff"
    listed = aula(url, "staff", "list")
    assert listed.returncode == 0 and "bob\tit\tcatalog,moderation" in listed.stdout


@pytest.mark.parametrize(
    "args",
    [
        ("create-user", "carol", "--areas", "catalog,finance", "--password-stdin"),
        ("create-user", "carol", "--areas", "", "--password-stdin"),
        ("set-areas", "alice", "catalog,finance"),
        ("set-areas", "nobody", "catalog"),
    ],
)
def test_bad_areas_are_one_line_and_write_nothing(new_database, args):
    url = new_database()
    aula(url, "staff", "create-user", "alice", "--areas", "catalog", "--password-stdin", stdin="x" * 12 + "\n")
    result = aula(url, "staff", *args, stdin="correct horse battery\n")
    assert result.returncode == 1 and result.stderr.count("\n") == 1
    assert "unknown area" in result.stderr or "no staff user" in result.stderr
    assert stored_areas(url, "alice") == "catalog" and stored_areas(url, "carol") is None
