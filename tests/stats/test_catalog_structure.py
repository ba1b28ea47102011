"""The catalog's structure as an event, and the activity views rolled up per degree and department."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from stats.updates import DAY, ingest, joined, message, user

from aula_shared.db import session_scope
from aula_stats.catalog_structure import InvalidStructure, Structure, apply_structure

STRUCTURE = {
    "published_at": "2026-11-22T10:00:00Z",
    "departments": [{"slug": "informatica", "name": "Informatica"}, {"slug": "fisica", "name": "Fisica"}],
    "degrees": [
        {"slug": "inf-l31", "name": "Informatica", "department": "informatica"},
        {"slug": "inf-lm18", "name": "Informatica magistrale", "department": "informatica"},
    ],
    "groups": [
        {"chat_id": -201, "degrees": ["inf-l31"]},
        {"chat_id": -202, "degrees": ["inf-l31", "inf-lm18"]},  # a course shared by two degrees
        {"chat_id": -203, "degrees": [], "departments": ["fisica"]},
    ],
}


def apply(url: str, payload: dict) -> bool:
    with session_scope(url) as session:
        return apply_structure(session, Structure.parse(payload))


def rows(url: str, query: str) -> list[tuple]:
    with session_scope(url) as session:
        return [tuple(row) for row in session.execute(text(query))]


def test_activity_rolls_up_per_degree_and_department(stats_url):
    assert apply(stats_url, STRUCTURE) is True
    ada, bea = user(21, "Ada"), user(22, "Bea")
    ingest(stats_url, message(-201, ada), message(-201, ada), message(-202, ada), message(-202, bea))
    ingest(stats_url, joined(-203, bea), message(-203, bea))
    assert rows(
        stats_url, "SELECT degree, chats, messages, active_users, joins FROM daily_degree_activity ORDER BY 1"
    ) == [
        ("inf-l31", 2, 4, 2, 0),
        ("inf-lm18", 1, 2, 2, 0),
    ]
    # Ada wrote in two chats of the department: one person, not two.
    assert rows(
        stats_url, "SELECT department, chats, messages, active_users, joins FROM daily_department_activity ORDER BY 1"
    ) == [("fisica", 1, 1, 1, 1), ("informatica", 2, 4, 2, 0)]


def test_a_newer_snapshot_replaces_the_structure_and_an_older_one_is_ignored(stats_url):
    apply(stats_url, STRUCTURE)
    newer = dict(
        STRUCTURE, published_at="2026-11-23T10:00:00+00:00", groups=[{"chat_id": -201, "degrees": ["inf-lm18"]}]
    )
    assert apply(stats_url, newer) is True
    assert apply(stats_url, STRUCTURE) is False
    assert rows(stats_url, "SELECT chat_id, degree_slug FROM stats_chat_degrees") == [(-201, "inf-lm18")]
    assert rows(stats_url, "SELECT chat_id, department_slug FROM stats_chat_departments") == [(-201, "informatica")]


@pytest.mark.parametrize(
    "payload",
    [
        [],
        {"departments": []},
        dict(STRUCTURE, published_at="yesterday"),
        dict(STRUCTURE, groups=[{"chat_id": "x"}]),
        dict(STRUCTURE, degrees=[{"slug": "", "name": "x"}]),
        dict(STRUCTURE, groups=[{"chat_id": -1, "degrees": "inf"}]),
    ],
)
def test_a_malformed_structure_is_refused(payload):
    with pytest.raises(InvalidStructure):
        Structure.parse(payload)


def test_days_of_messages_are_their_utc_day(stats_url):
    ingest(stats_url, message(-204, user(23)), message(-204, user(23), DAY + 86400))
    assert [r[1] for r in rows(stats_url, "SELECT day, messages FROM daily_chat_activity")] == [1, 1]
