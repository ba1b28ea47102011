"""The numbers behind the staff charts, on PostgreSQL with known data (the `known_data` fixture, chart_data.py):
updates ingested as the worker does, the catalog's structure and moderation cases received as events."""

from __future__ import annotations

from datetime import date

import pytest
from stats.chart_data import ALGEBRA, ANALISI, DAY_1, DAY_2, DAY_3, FISICA, RANGE

from aula_shared.db import session_scope
from aula_stats import reports
from aula_stats.reports import DateRange, DayActivity, GroupActivity, ReportError, Scope


def activity(url: str, scope_value: str, dates: DateRange = RANGE) -> list[tuple]:
    with session_scope(url) as session:
        scope = reports.find_scope(session, scope_value)
        return [
            (r.day, r.messages, r.active_users, r.joins, r.leaves)
            for r in reports.daily_activity(session, scope, dates)
        ]


def test_daily_activity_per_scope(known_data):
    # (day, messages, active users, joins, leaves); the first day had nothing and is still there.
    assert activity(known_data, "all") == [(DAY_1, 0, 0, 0, 0), (DAY_2, 3, 1, 1, 0), (DAY_3, 1, 1, 0, 1)]
    assert activity(known_data, f"chat:{ALGEBRA}") == [(DAY_1, 0, 0, 0, 0), (DAY_2, 2, 1, 0, 0), (DAY_3, 1, 1, 0, 0)]
    assert activity(known_data, f"chat:{FISICA}") == [(DAY_1, 0, 0, 0, 0), (DAY_2, 0, 0, 1, 0), (DAY_3, 0, 0, 0, 1)]
    assert activity(known_data, "degree:mat") == [(DAY_1, 0, 0, 0, 0), (DAY_2, 3, 1, 0, 0), (DAY_3, 1, 1, 0, 0)]
    assert activity(known_data, "degree:fis") == [(DAY_1, 0, 0, 0, 0), (DAY_2, 1, 1, 1, 0), (DAY_3, 0, 0, 0, 1)]
    assert activity(known_data, "department:scienze") == [
        (DAY_1, 0, 0, 0, 0),
        (DAY_2, 3, 1, 1, 0),
        (DAY_3, 1, 1, 0, 1),
    ]
    assert activity(known_data, "all", DateRange(DAY_3, DAY_3)) == [(DAY_3, 1, 1, 0, 1)]


def test_most_active_groups_have_titles_and_leave_out_silent_ones(known_data):
    with session_scope(known_data) as session:
        top = reports.most_active_groups(session, RANGE)
        assert top == [GroupActivity(ALGEBRA, "Chat -401", 3, 1), GroupActivity(ANALISI, "Chat -402", 1, 1)]
        assert reports.most_active_groups(session, RANGE, limit=1) == top[:1]
        assert reports.most_active_groups(session, DateRange(date(2026, 1, 1), date(2026, 1, 31))) == []


def test_moderation_actions_per_day_by_action(known_data):
    with session_scope(known_data) as session:

        def actions(scope_value: str) -> dict[str, list[int]]:
            return reports.moderation_actions(session, reports.find_scope(session, scope_value), RANGE)

        assert actions("all") == {
            "MODERATION_BAN": [0, 2, 0],
            "MODERATION_SUPERBAN": [0, 0, 1],  # network-wide: only under every group
            "MODERATION_WARN": [0, 0, 1],
        }
        assert actions(f"chat:{ANALISI}") == {"MODERATION_BAN": [0, 1, 0], "MODERATION_WARN": [0, 0, 1]}
        assert actions("degree:fis") == {"MODERATION_BAN": [0, 1, 0], "MODERATION_WARN": [0, 0, 1]}
        assert actions("degree:mat") == {"MODERATION_BAN": [0, 2, 0], "MODERATION_WARN": [0, 0, 1]}
        assert actions(f"chat:{FISICA}") == {}


def test_scopes_list_everything_with_data(known_data):
    with session_scope(known_data) as session:
        values = [scope.value for scope in reports.scopes(session)]
        assert values == [
            "all",
            "department:scienze",
            "degree:fis",
            "degree:mat",
            f"chat:{ALGEBRA}",
            f"chat:{ANALISI}",
            f"chat:{FISICA}",
        ]
        assert reports.find_scope(session, "degree:mat") == Scope("degree", "mat", "Degree: Matematica")
        assert reports.find_scope(session, "") == reports.EVERY_GROUP


@pytest.mark.parametrize(
    ("value", "complaint"),
    [
        ("chat:-999", "No group with id -999"),
        ("chat:abc", "not a chat id"),
        ("chat:", "not a chat id"),
        ("chat:99999999999999999999", "not a chat id"),  # more than a BIGINT
        ("degree:\x00", "No degree"),  # PostgreSQL would refuse the NUL
        ("department:" + "x" * 100, "No department"),
        ("degree:nope", "No degree 'nope'"),
        ("department:nope", "No department 'nope'"),
        ("course:algebra", "Unknown scope"),
    ],
)
def test_an_unknown_scope_is_a_clear_error(known_data, value, complaint):
    with session_scope(known_data) as session, pytest.raises(ReportError, match=complaint):
        reports.find_scope(session, value)


def test_an_empty_database_gives_zeros_not_errors(stats_url):
    with session_scope(stats_url) as session:
        assert reports.daily_activity(session, reports.EVERY_GROUP, RANGE) == [
            DayActivity(day, 0, 0, 0, 0) for day in (DAY_1, DAY_2, DAY_3)
        ]
        assert reports.most_active_groups(session, RANGE) == []
        assert reports.moderation_actions(session, reports.EVERY_GROUP, RANGE) == {}
        assert reports.scopes(session) == [reports.EVERY_GROUP]


TODAY = date(2026, 11, 22)


def test_the_default_range_is_the_last_30_days():
    assert DateRange.parse(None, None, TODAY) == DateRange(date(2026, 10, 24), TODAY)
    assert DateRange.parse("", "2026-01-31", TODAY) == DateRange(date(2026, 1, 2), date(2026, 1, 31))
    assert DateRange.parse("2026-11-01", "", TODAY) == DateRange(date(2026, 11, 1), TODAY)
    assert len(DateRange.parse(None, None, TODAY).days()) == reports.DEFAULT_DAYS
    assert len(DateRange.parse("2025-11-22", "2026-11-22", TODAY).days()) == reports.MAX_DAYS


@pytest.mark.parametrize(
    ("since", "until", "complaint"),
    [
        ("2026-11-10", "2026-11-01", "starts \\(2026-11-10\\) after it ends"),
        ("2026-02-30", "", "'from' date '2026-02-30' is not a date"),
        ("yesterday", "", "'from' date 'yesterday' is not a date"),
        ("", "2026-1-1x", "'to' date"),
        ("2000-01-01", "2026-11-22", "at most 366"),
        ("2025-11-21", "2026-11-22", "367 days"),
        ("", "0001-01-10", "cannot end on 0001-01-10"),  # 30 days before it is not a date
    ],
)
def test_a_bad_range_is_a_clear_error(since, until, complaint):
    with pytest.raises(ReportError, match=complaint):
        DateRange.parse(since, until, TODAY)
