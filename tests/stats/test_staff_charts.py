"""The statistics pages of the staff admin: charts as inline SVG from the stats database, and profile history.

Served by catalog-api's app behind the staff login (tests/staff_support.py); the data is test_reports'.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from staff_support import staff_app, staff_client
from stats.chart_data import ALGEBRA, FISICA
from stats.updates import ingest, message, user

from aula_shared.db import session_scope
from aula_stats.models import ProfileObservation, TrackedProfile

pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning:wtforms.*"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:flask_admin.*"),
]

PAGES = ("stats_activity", "stats_top_groups", "stats_moderation", "stats_profile_history")
RANGE = "from=2025-11-20&to=2025-11-22"


def get(client, path: str) -> tuple[int, str]:
    response = client.get(path)
    return response.status_code, response.get_data(as_text=True)


def svgs(page: str) -> list[str]:
    return re.findall(r"<svg.*?</svg>", page, re.S)


def test_the_pages_need_a_login_and_sit_in_the_statistics_menu(stats_url):
    anonymous = staff_app(stats_url).test_client()
    for endpoint in PAGES:
        response = anonymous.get(f"/admin/{endpoint}/")
        assert response.status_code == 302 and "/admin/login" in response.location
    status, home = get(staff_client(stats_url), "/admin/")
    assert status == 200 and "Statistics" in home
    for endpoint in PAGES:
        assert f'href="/admin/{endpoint}/"' in home


def test_activity_charts_of_a_group(known_data):
    status, page = get(staff_client(known_data), f"/admin/stats_activity/?scope=chat:{ALGEBRA}&{RANGE}")
    assert status == 200
    [activity] = svgs(page)  # the group had no joins or leaves: that chart says so instead
    assert "Activity — Chat -401" in activity and "Messages" in activity and "Active users" in activity
    assert "2025-11-21" in activity
    assert page.index("Joins versus leaves per day") < page.index("No data yet")
    assert "<script src" not in page.split("<svg", 1)[1] and 'xlink:href="http' not in page  # nothing fetched
    assert f'<option value="chat:{ALGEBRA}" selected>' in page
    assert 'value="2025-11-20"' in page and 'value="2025-11-22"' in page
    status, page = get(staff_client(known_data), f"/admin/stats_activity/?scope=chat:{FISICA}&{RANGE}")
    [changes] = svgs(page)  # nobody wrote there, but Carl joined and left
    assert "Joins and leaves — Chat -403" in changes and "Joins" in changes and "Leaves" in changes
    assert page.index("No data yet") < page.index("Joins versus leaves per day")


def test_activity_of_a_degree_and_a_department_and_every_group(known_data):
    client = staff_client(known_data)
    for scope, title in (
        ("degree:fis", "Degree: Fisica"),
        ("department:scienze", "Department: Scienze"),
        ("all", "Every group"),
    ):
        status, page = get(client, f"/admin/stats_activity/?scope={scope}&{RANGE}")
        assert status == 200
        assert len(svgs(page)) == 2 and f"Activity — {title}" in page
        assert "No data yet" not in page


def test_the_most_active_groups_with_titles_and_numbers(known_data):
    status, page = get(staff_client(known_data), f"/admin/stats_top_groups/?{RANGE}")
    assert status == 200
    [chart] = svgs(page)
    assert "Chat -401" in chart and "Chat -402" in chart and "Chat -403" not in chart
    assert "<td>Chat -401</td><td>-401</td><td>3</td><td>1</td>" in page


def test_moderation_actions_stacked_by_action(known_data):
    client = staff_client(known_data)
    status, page = get(client, f"/admin/stats_moderation/?{RANGE}")
    assert status == 200
    [chart] = svgs(page)
    for action in ("MODERATION_BAN", "MODERATION_SUPERBAN", "MODERATION_WARN"):
        assert action in chart
    assert "<td>MODERATION_BAN</td><td>2</td>" in page
    status, page = get(client, f"/admin/stats_moderation/?scope=chat:{FISICA}&{RANGE}")
    assert status == 200 and svgs(page) == [] and "No data yet" in page


@pytest.mark.parametrize(
    ("query", "complaint"),
    [
        ("scope=chat:-999", "No group with id -999 is known"),
        ("scope=chat:%3Cb%3E", "is not a chat id"),
        ("scope=degree:nope", "No degree"),
        ("scope=degree:%00", "No degree"),
        ("scope=chat:99999999999999999999", "is not a chat id"),
        ("scope=planet:mars", "Unknown scope"),
        ("from=2025-11-22&to=2025-11-20", "starts (2025-11-22) after it ends (2025-11-20)"),
        ("from=2025-13-01", "is not a date like"),
        ("to=soon", "is not a date like"),
        ("from=1990-01-01&to=2025-11-22", "at most 366 can be shown"),
        ("to=0001-01-02", "cannot end on 0001-01-02"),
    ],
)
def test_bad_parameters_are_a_clear_message(known_data, query, complaint):
    client = staff_client(known_data)
    for endpoint in ("stats_activity", "stats_moderation", "stats_top_groups"):
        if endpoint == "stats_top_groups" and query.startswith("scope="):
            continue  # that page has no scope
        status, page = get(client, f"/admin/{endpoint}/?{query}")
        assert status == 400, (endpoint, query)
        assert complaint.replace("'", "&#39;") in page or complaint in page
        assert 'id="report-error"' in page and svgs(page) == []
        assert "<b>" not in page  # what was typed is shown escaped


def test_an_empty_database_shows_no_data_yet(stats_url):
    client = staff_client(stats_url)
    for endpoint, charts in (("stats_activity", 2), ("stats_top_groups", 1), ("stats_moderation", 1)):
        status, page = get(client, f"/admin/{endpoint}/")
        assert status == 200
        assert page.count("No data yet") == charts and svgs(page) == []
    today = datetime.now(UTC).date().isoformat()
    assert f'value="{today}"' in page  # the default range ends today


# -- profile history -----------------------------------------------------------------------------------


@pytest.fixture
def renamer(stats_url) -> str:
    ingest(stats_url, message(-501, user(61, "Ada", username="ada_l")))
    ingest(stats_url, message(-501, user(61, "Ada", last_name="<b>Spam</b>", username="cheap_pills")))
    ingest(stats_url, message(-501, user(62, "Bea")))
    with session_scope(stats_url) as session:
        profile = TrackedProfile(username="ada_l", monitored=True, added_at=datetime.now(UTC))
        session.add(profile)
        session.flush()
        session.add(
            ProfileObservation(profile_id=profile.id, observed_at=datetime.now(UTC), name="Ada", bio="I sell pills")
        )
    return stats_url


def test_profile_history_by_user_id_and_by_any_past_username(renamer):
    client = staff_client(renamer)
    for query in ("61", "ada_l", "@ADA_L", "cheap_pills"):
        status, page = get(client, f"/admin/stats_profile_history/?q={query}")
        assert status == 200, query
        assert 'id="user-61"' in page and 'id="user-62"' not in page
        assert page.count("<td>@ada_l</td>") == 1 and page.count("<td>@cheap_pills</td>") == 1
        assert "&lt;b&gt;Spam&lt;/b&gt;" in page and "<b>Spam</b>" not in page
        assert "I sell pills" in page  # the tracked profile under a username they had


def test_profile_history_without_a_search_lists_tracked_profiles(renamer):
    status, page = get(staff_client(renamer), "/admin/stats_profile_history/")
    assert status == 200 and 'href="?q=ada_l"' in page and 'id="user-61"' not in page


@pytest.mark.parametrize(("query", "status", "text"), [
    ("nobody_here", 200, "Nobody with that id or username has been seen."),
    ("999", 200, "Nobody with that id or username has been seen."),
    ("a%20b", 400, "is neither a user id"),
    ("x", 400, "is neither a user id"),
    ("99999999999999999999999", 400, "is not a Telegram user id"),
])  # fmt: skip
def test_profile_history_bad_or_fruitless_searches(renamer, query, status, text):
    got, page = get(staff_client(renamer), f"/admin/stats_profile_history/?q={query}")
    assert got == status and text in page
