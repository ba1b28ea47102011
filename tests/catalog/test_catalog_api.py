"""Every endpoint of the public API against the research's examples and ordering rules (PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from catalog.catalog_data import load_standard_catalog
from catalog.conftest import make_app
from sqlalchemy import event, select

from aula_catalog.api.database import read_engine
from aula_catalog.models import Course, CourseDegree, Degree, GroupAdmin, Professor, TelegramUser
from aula_shared.db import engine_for, session_scope


def get(client, url: str, status: int = 200, **kwargs):
    response = client.get(url, **kwargs)
    assert response.status_code == status, (url, response.status_code, response.get_data(as_text=True)[:300])
    return response.get_json()


def degree_pk(client, slug: str) -> int:
    return get(client, f"/api/degree?slug={slug}")["pk"]


# --- /api/departments ---------------------------------------------------------------------------------------


def test_departments_by_name_with_counts(client):
    departments = get(client, "/api/departments")
    assert [d["name"] for d in departments] == sorted(d["name"] for d in departments)
    informatica = next(d for d in departments if d["slug"] == "informatica")
    assert informatica == {
        "pk": informatica["pk"],
        "name": "Dipartimento di Informatica",
        "slug": "informatica",
        "icon": "TVMonitor",
        "degree_count": 7,
        "representative_count": 14,
    }
    assert len(departments) == 6 + 33  # Data.json's and the scraper's


# --- /api/degrees -------------------------------------------------------------------------------------------


def test_degrees_of_a_department_most_courses_first_then_name(client):
    informatica = next(d for d in get(client, "/api/departments") if d["slug"] == "informatica")
    degrees = get(client, f"/api/degrees?dep_id={informatica['pk']}")
    assert degrees[0]["slug"] == "magistrale-informatica"
    sizes = [(-len(get(client, f"/api/courses?deg_id={d['pk']}")), d["name"]) for d in degrees]
    assert sizes == sorted(sizes)
    assert set(degrees[0]) == {"pk", "name", "type", "group", "slug", "icon"}


@pytest.mark.parametrize(
    ("query", "status", "error"),
    [
        ("", 400, "Please provide a dep_id (department id)"),
        ("?dep_id=", 400, "dep_id must be an integer"),
        ("?dep_id=abc", 400, "dep_id must be an integer"),
        ("?dep_id=-3", 400, "dep_id must be a positive integer"),
        ("?dep_id=99999999999999", 400, "dep_id must be a positive integer"),
        ("?dep_id=999999", 404, "Not found"),
    ],
)
def test_degrees_bad_or_unknown_department(client, query, status, error):
    assert get(client, f"/api/degrees{query}", status) == {"ok": False, "error": error}


# --- /api/degree --------------------------------------------------------------------------------------------


def test_verbose_degree_by_slug_has_department_and_no_icon(client):
    degree = get(client, "/api/degree?slug=triennale-fisica")
    assert degree == {
        "pk": degree["pk"],
        "name": "Fisica",
        "type": "B",
        "department": {
            "pk": degree["department"]["pk"],
            "name": "Dipartimento di Fisica",
            "slug": "fisica",
            "icon": "HomeGroup",
            "degree_count": 1,
            "representative_count": 0,
        },
        "group": {
            "id": None,
            "title": "Fisica",
            "profile_picture": None,
            "invite_link": "https://t.me/joinchat/GKyzuA1oLBIxZTY0",
        },
        "slug": "triennale-fisica",
    }


def test_degree_by_pk_and_old_underscore_slug_and_pk_wins(client):
    by_slug = get(client, "/api/degree?slug=triennale-informatica")
    assert get(client, f"/api/degree?pk={by_slug['pk']}") == by_slug
    assert get(client, "/api/degree?slug=triennale_informatica") == by_slug
    assert get(client, f"/api/degree?pk={by_slug['pk']}&slug=triennale-fisica") == by_slug


@pytest.mark.parametrize(
    ("query", "status", "error"),
    [
        ("", 400, "Please provide the pk or an unique slug"),
        ("?pk=x", 400, "pk must be an integer"),
        ("?pk=0", 400, "pk must be a positive integer"),
        ("?slug=", 400, "slug must be 1 to 200 characters"),
        ("?slug=nope", 404, "Not found"),
        ("?pk=123456", 404, "Not found"),
    ],
)
def test_degree_errors(client, query, status, error):
    assert get(client, f"/api/degree{query}", status) == {"ok": False, "error": error}


# --- /api/search-degrees --------------------------------------------------------------------------------------


def test_search_degrees_contains_case_and_accent_insensitive_shortest_first(client):
    found = get(client, "/api/search-degrees?q=INFORMATICA")
    names = [d["name"] for d in found]
    assert names[0] == "Informatica"
    assert all("informatica" in name.lower() for name in names)
    assert [len(n) for n in names] == sorted(len(n) for n in names)
    accented = get(client, "/api/search-degrees?q=psicomotricita")
    assert any("psicomotricità" in d["name"] for d in accented)


def test_search_degrees_escapes_like_wildcards(client):
    assert get(client, "/api/search-degrees?q=%25") == []
    assert get(client, "/api/search-degrees?q=_") == []


@pytest.mark.parametrize("query", ["", "?q=", "?q=%20%20"])
def test_search_degrees_without_text_is_empty(client, query):
    assert get(client, f"/api/search-degrees{query}") == []


# --- /api/courses -------------------------------------------------------------------------------------------


def test_courses_of_a_degree_follow_the_original_order(client):
    rows = get(client, f"/api/courses?deg_id={degree_pk(client, 'triennale-informatica')}")
    assert len(rows) == 38

    def key(row):
        year = row["year"]
        return (year if year >= 0 else year + 10) * 2 + row["semester"]

    assert [key(r) for r in rows] == sorted(key(r) for r in rows)
    assert [r["course"]["name"] for r in rows[:3]] == [
        "Architettura degli elaboratori 1",
        "Matematica del continuo",
        "Programmazione 1",
    ]
    logica = next(r for r in rows if r["course"]["name"] == "Logica matematica")
    # The research's example, field for field.
    assert logica == {
        "course": {
            "pk": logica["course"]["pk"],
            "name": "Logica matematica",
            "cfu": 6,
            "wiki_link": "https://wiki.studentiunimi.it/doku.php?id=informatica_triennale:logica_matematica",
            "links": [
                {"name": "Avvisi", "url": "https://saguzzolilom.ariel.ctu.unimi.it/v5/home/Default.aspx"},
                {"name": "Materiale", "url": "https://homes.di.unimi.it/aguzzoli/logicatriennale.html"},
            ],
            "group": {
                "id": -1001193287828,
                "title": "Logica matematica",
                "profile_picture": None,
                "invite_link": logica["course"]["group"]["invite_link"],
            },
            "professor": None,
        },
        "year": 1,
        "semester": 2,
    }
    years = [r["year"] for r in rows]
    assert years.index(-2) > years.index(3)  # complementary after the years of study


def test_a_degree_with_more_than_60_courses(client):
    rows = get(client, f"/api/courses?deg_id={degree_pk(client, 'magistrale-informatica')}")
    assert len(rows) == 84
    assert len({r["course"]["pk"] for r in rows}) == 84


def test_courses_of_a_degree_without_courses_is_an_empty_list(client):
    assert get(client, f"/api/courses?deg_id={degree_pk(client, 'triennale-fisica')}") == []


@pytest.mark.parametrize(
    ("query", "status", "error"),
    [
        ("", 400, "Please provide a deg_id (degree id)"),
        ("?deg_id=1.5", 400, "deg_id must be an integer"),
        ("?deg_id=424242", 404, "Not found"),
    ],
)
def test_courses_errors(client, query, status, error):
    assert get(client, f"/api/courses{query}", status) == {"ok": False, "error": error}


# --- /api/representatives ------------------------------------------------------------------------------------


def test_representatives_carry_user_and_tguser(client):
    informatica = next(d for d in get(client, "/api/departments") if d["slug"] == "informatica")
    people = get(client, f"/api/representatives?dep_id={informatica['pk']}")
    assert len(people) == 14
    first = people[0]
    assert first == {
        "user": {"id": 165370985, "first_name": "Jacopo", "last_name": "Antoniolli", "username": "ChufChufMF"},
        "tguser": first["user"],
        "degree_name": "Sicurezza dei sistemi e delle reti informatiche",
    }
    assert all(p["user"] == p["tguser"] for p in people)
    assert get(client, "/api/representatives", 400) == {"ok": False, "error": "Please provide a dep_id (department id)"}
    assert get(client, "/api/representatives?dep_id=777777", 404)["ok"] is False


# --- /api/typing-degrees -------------------------------------------------------------------------------------


def test_typing_degrees_thirty_distinct_lowercase_names(client):
    names = get(client, "/api/typing-degrees")
    assert len(names) == 30
    assert len(set(names)) == 30
    assert all(name == name.lower() for name in names)
    with session_scope(client.application.extensions["aula_catalog"].database_url) as session:
        known = {name.lower() for name in session.scalars(select(Degree.name))}
    assert set(names) <= known


# --- /api/admins --------------------------------------------------------------------------------------------


def test_admins_of_a_degree(client):
    admins = get(client, "/api/admins?slug=triennale-informatica")
    assert [a["username"] for a in admins][:2] == ["MrBrionix", "MattiaOldani"]
    assert len(admins) == 8
    assert set(admins[0]) == {"id", "first_name", "last_name", "username"}
    assert get(client, "/api/admins", 400) == {"ok": False, "error": "Please provide the pk or an unique slug"}
    assert get(client, "/api/admins?slug=nope", 404) == {"ok": False, "error": "Not found"}


def test_admins_are_listed_once_including_those_of_every_degree(new_database):
    url = new_database()
    load_standard_catalog(url)
    with session_scope(url) as session:
        informatica = session.scalars(select(Degree).where(Degree.slug == "triennale-informatica")).one()
        fisica = session.scalars(select(Degree).where(Degree.slug == "triennale-fisica")).one()
        boss = TelegramUser(id=42, first_name="Super", last_name="Admin", username="boss")
        session.add(GroupAdmin(user=boss, all_degrees=True, degrees=[informatica, fisica]))
    client = make_app(url).test_client()
    informatica_admins = get(client, "/api/admins?slug=triennale-informatica")
    assert [a["id"] for a in informatica_admins].count(42) == 1
    assert len(informatica_admins) == 9
    assert [a["id"] for a in get(client, "/api/admins?slug=triennale-matematica")] == [42]


# --- /api/featured-groups ------------------------------------------------------------------------------------


def test_featured_groups_by_category_in_descending_order(client):
    groups = get(client, "/api/featured-groups")
    assert set(groups) == {"university_groups", "announcement_groups", "student_associations"}
    assert [g["name"]["it"] for g in groups["university_groups"]][:2] == [
        "Chat generale",
        "Pre-matricole, ammissioni e immatricolazioni",
    ]
    assert len(groups["university_groups"]) == 12
    assert len(groups["announcement_groups"]) == 4
    main_chat = groups["university_groups"][0]
    assert main_chat["invite_link"] == "https://t.me/unimichat"
    assert main_chat["name"] == {"en": "Main chat", "it": "Chat generale"}
    assert main_chat["category"] == "u"


def test_a_featured_group_without_a_telegram_group_works(client):
    (mug,) = get(client, "/api/featured-groups")["student_associations"]
    assert mug["id"] is None
    assert mug["invite_link"] is None
    assert mug["user_count"] is None
    assert mug["external_url"] == "https://discord.gg/9qUGtnKYUU"


# --- /api/search and /api/slug-degrees ------------------------------------------------------------------------


def test_search_returns_degrees_and_course_degree_pairs_with_degree_name(client):
    found = get(client, "/api/search?q=statistica")
    assert set(found) == {"degrees", "courses"}
    pairs = [(c["course"]["name"], c["degree_name"]) for c in found["courses"]]
    assert ("Statistica e analisi dei dati", "Informatica musicale") in pairs
    assert ("Statistica e analisi dei dati", "Informatica comunicazione digitale") in pairs
    assert len({(c["course"]["pk"], c["degree_name"]) for c in found["courses"]}) == len(pairs)
    entry = found["courses"][0]
    assert set(entry) == {"course", "year", "semester", "degree_name"}
    assert set(entry["course"]) == {"pk", "name", "cfu", "wiki_link", "links", "group", "professor"}
    lengths = [len(c["course"]["name"]) for c in found["courses"]]
    assert lengths == sorted(lengths)


def test_search_limits_and_errors(client):
    assert get(client, "/api/search") == {"degrees": [], "courses": []}
    assert len(get(client, "/api/search?q=a")["courses"]) == 100
    assert get(client, "/api/search?q=" + "x" * 101, 400) == {"ok": False, "error": "q must be at most 100 characters"}
    assert get(client, "/api/search?q=%00", 400) == {"ok": False, "error": "must not contain NUL characters"}


def test_slug_degrees_lists_every_slug(client):
    slugs = get(client, "/api/slug-degrees")
    assert slugs == sorted(slugs)
    assert len(slugs) == len(set(slugs)) == 9 + 71
    assert "triennale-informatica" in slugs
    assert all("_" not in slug for slug in slugs)


# --- additions ----------------------------------------------------------------------------------------------


def test_verbose_department(client):
    department = get(client, "/api/department?slug=informatica")
    assert department["degree_count"] == len(department["degrees"]) == 7
    assert len(department["representatives"]) == 14
    assert get(client, f"/api/department?pk={department['pk']}") == department
    assert get(client, "/api/department?slug=nowhere", 404)["error"] == "Not found"


def test_course_detail_lists_every_degree(client):
    found = get(client, "/api/search?q=statistica e analisi")
    pk = next(c["course"]["pk"] for c in found["courses"] if c["degree_name"] == "Informatica musicale")
    course = get(client, f"/api/course?pk={pk}")
    assert course["name"] == "Statistica e analisi dei dati"
    assert sorted(d["degree"]["slug"] for d in course["degrees"]) == [
        "triennale-informatica-com-digitale",
        "triennale-informatica-musicale",
    ]
    assert get(client, "/api/course?pk=99999999", 404)["ok"] is False


def test_degree_links_in_the_websites_degree_informations_shape(client):
    links = get(client, "/api/degree-links?slug=triennale_informatica")
    assert len(links) == 6
    assert links[0] == {
        "name": {"it": "Sito del dipartimento", "en": "Department website"},
        "description": {
            "it": "Sito web del dipartimento del tuo corso di laurea.",
            "en": "Website of the department of your degree program.",
        },
        "link": "http://www.di.unimi.it/ecm/home",
        "icon": "AiOutlineGlobal",
    }
    assert get(client, "/api/degree-links?slug=triennale-fisica") != []
    assert get(client, "/api/degree-links?slug=nope", 404)["ok"] is False


def test_a_course_with_a_professor(new_database):
    url = new_database()
    load_standard_catalog(url)
    with session_scope(url) as session:
        course = session.scalars(
            select(Course)
            .join(CourseDegree)
            .join(Degree)
            .where(Degree.slug == "triennale-informatica", Course.name == "Logica matematica")
        ).one()
        course.professor = Professor(first_name="Stefano", last_name="Aguzzoli", url="https://aguzzoli.di.unimi.it/")
    client = make_app(url).test_client()
    rows = get(client, f"/api/courses?deg_id={degree_pk(client, 'triennale-informatica')}")
    logica = next(r for r in rows if r["course"]["name"] == "Logica matematica")
    assert logica["course"]["professor"] == {
        "first_name": "Stefano",
        "last_name": "Aguzzoli",
        "url": "https://aguzzoli.di.unimi.it/",
    }


# --- HTTP behaviour -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_api_is_read_only(client, method):
    response = getattr(client, method)("/api/departments")
    assert response.status_code == 405
    assert response.get_json() == {"ok": False, "error": "Method not allowed"}
    assert "GET" in response.headers["Allow"]


def test_unknown_api_paths_are_json_404s(client):
    response = client.get("/api/departments/")
    assert response.status_code in (404, 308)
    response = client.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.get_json() == {"ok": False, "error": "Not found"}


def test_every_answer_has_an_etag_and_cache_control_and_304s_on_match(client):
    first = client.get("/api/departments")
    etag = first.headers["ETag"]
    assert etag.startswith('W/"')
    assert first.headers["Cache-Control"] == "public, max-age=60"
    again = client.get("/api/departments", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == etag
    assert client.get("/api/departments", headers={"If-None-Match": 'W/"0-nope"'}).status_code == 200
    assert client.get("/api/departments", headers={"If-None-Match": f'"x", {etag}'}).status_code == 304
    # Different query, different answer, different tag.
    assert client.get("/api/search?q=a").headers["ETag"] != client.get("/api/search?q=b").headers["ETag"]
    head = client.head("/api/departments")
    assert head.status_code == 200 and head.headers["ETag"] == etag
    assert client.get("/api/degree", headers={"If-None-Match": etag}).status_code == 400


def test_errors_are_not_cached(client):
    response = client.get("/api/degree?slug=nope")
    assert response.status_code == 404
    assert response.headers["Cache-Control"] == "no-store"
    assert "ETag" not in response.headers


def test_a_change_to_the_catalog_changes_every_etag(new_database):
    url = new_database()
    load_standard_catalog(url)
    client = make_app(url).test_client()
    before = client.get("/api/slug-degrees")
    with session_scope(url) as session:
        degree = session.scalars(select(Degree).where(Degree.slug == "triennale-fisica")).one()
        degree.name = "Fisica (nuova)"
    after = client.get("/api/slug-degrees", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200  # same body, but the catalog changed: no stale 304 after a write
    assert after.headers["ETag"] != before.headers["ETag"]
    assert get(client, "/api/degree?slug=triennale-fisica")["name"] == "Fisica (nuova)"


def test_cors_for_configured_origins_only(catalog_url):
    client = make_app(catalog_url, cors_origins=frozenset({"https://studentiunimi.it"})).test_client()
    allowed = client.get("/api/departments", headers={"Origin": "https://studentiunimi.it"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://studentiunimi.it"
    assert "Origin" in allowed.headers["Vary"]
    other = client.get("/api/departments", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    not_modified = client.get(
        "/api/departments",
        headers={"Origin": "https://studentiunimi.it", "If-None-Match": allowed.headers["ETag"]},
    )
    assert not_modified.status_code == 304
    assert not_modified.headers["Access-Control-Allow-Origin"] == "https://studentiunimi.it"
    preflight = client.options(
        "/api/degree?slug=x",
        headers={"Origin": "https://studentiunimi.it", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code == 200
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]
    wildcard = make_app(catalog_url, cors_origins=frozenset({"*"})).test_client()
    assert wildcard.get("/api/departments").headers["Access-Control-Allow-Origin"] == "*"
    closed = make_app(catalog_url).test_client()
    assert (
        "Access-Control-Allow-Origin" not in closed.get("/api/departments", headers={"Origin": "https://x.y"}).headers
    )


class StatementCounter:
    """Counts the SQL statements a request runs (the revision read, cached per process, is left out)."""

    def __init__(self, url: str) -> None:
        self.engines = [engine_for(url), read_engine(url)]
        self.statements: list[str] = []

    def __enter__(self):
        for engine in self.engines:
            event.listen(engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        for engine in self.engines:
            event.remove(engine, "before_cursor_execute", self._record)

    def _record(self, _conn, _cursor, statement, *_args) -> None:
        if "catalog_revision" not in statement:
            self.statements.append(statement)


@pytest.mark.parametrize(
    ("small", "large"),
    [
        ("/api/courses?deg_id={fisica}", "/api/courses?deg_id={magistrale}"),
        ("/api/courses?deg_id={musicale}", "/api/courses?deg_id={magistrale}"),
        ("/api/search?q=zzzz", "/api/search?q=a"),
        ("/api/degrees?dep_id={fisica_department}", "/api/degrees?dep_id={informatica_department}"),
        ("/api/representatives?dep_id={informatica_department}", "/api/department?slug=informatica"),
        ("/api/admins?slug=triennale-fisica", "/api/admins?slug=triennale-informatica"),
    ],
)
def test_constant_query_count_whatever_the_size(uncached_client, catalog_url, small, large):
    client = uncached_client
    ids = {
        "fisica": degree_pk(client, "triennale-fisica"),
        "musicale": degree_pk(client, "triennale-informatica-musicale"),
        "magistrale": degree_pk(client, "magistrale-informatica"),
        "fisica_department": get(client, "/api/department?slug=fisica")["pk"],
        "informatica_department": get(client, "/api/department?slug=informatica")["pk"],
    }
    with StatementCounter(catalog_url) as counter:
        get(client, large.format(**ids))
    large_count = len(counter.statements)
    assert large_count <= 3
    with StatementCounter(catalog_url) as counter:
        get(client, small.format(**ids))
    assert len(counter.statements) <= large_count


def test_a_degree_with_84_courses_takes_two_queries(uncached_client, catalog_url):
    client = uncached_client
    pk = degree_pk(client, "magistrale-informatica")
    with StatementCounter(catalog_url) as counter:
        assert len(get(client, f"/api/courses?deg_id={pk}")) == 84
    assert len(counter.statements) == 2


def test_answers_are_kept_until_the_catalog_changes(new_database):
    url = new_database()
    load_standard_catalog(url)
    client = make_app(url).test_client()
    path = f"/api/courses?deg_id={degree_pk(client, 'magistrale-informatica')}"
    first = client.get(path)
    with StatementCounter(url) as counter:
        again = client.get(path)
        head = client.head(path)
    assert counter.statements == []  # served from the process's cache
    assert again.data == first.data and again.headers["ETag"] == first.headers["ETag"]
    assert head.status_code == 200 and head.data == b"" and head.headers["Content-Length"] == str(len(first.data))
    with session_scope(url) as session:
        session.scalars(select(Course).where(Course.name == "Bioinformatics")).first().cfu = 11
    changed = client.get(path)
    assert changed.headers["ETag"] != first.headers["ETag"]
    assert any(r["course"]["cfu"] == 11 for r in changed.get_json())
    with StatementCounter(url) as counter:
        client.get("/api/typing-degrees")
        client.get("/api/typing-degrees")
    assert len(counter.statements) == 2  # a new random draw every time, never cached


def test_a_group_observed_again_with_nothing_new_keeps_the_etags(new_database):
    from aula_catalog.facts import GroupFacts, apply_group_facts

    url = new_database()
    load_standard_catalog(url)
    client = make_app(url).test_client()
    with session_scope(url) as session:
        apply_group_facts(session, GroupFacts(chat_id=-1001193287828, observed_at=datetime(2026, 1, 1, tzinfo=UTC)))
    before = client.get("/api/departments").headers["ETag"]
    with session_scope(url) as session:
        apply_group_facts(session, GroupFacts(chat_id=-1001193287828, observed_at=datetime(2026, 1, 2, tzinfo=UTC)))
    assert client.get("/api/departments").headers["ETag"] == before
    with session_scope(url) as session:
        later = GroupFacts(chat_id=-1001193287828, observed_at=datetime(2026, 1, 3, tzinfo=UTC), member_count=7)
        apply_group_facts(session, later)
    assert client.get("/api/departments").headers["ETag"] != before


def test_health_metrics_robots(client):
    assert get(client, "/healthz") == {"ok": True}
    client.get("/api/departments")
    metrics = client.get("/metrics")
    assert metrics.status_code == 200
    assert b'aula_catalog_requests_total{endpoint="api.departments",status="200"}' in metrics.data
    assert b"aula_catalog_request_seconds_bucket" in metrics.data
    assert client.get("/robots.txt").data == b"User-Agent: *\nDisallow: /\n"


def test_health_fails_without_a_database(tmp_path):
    client = make_app(f"sqlite:///{tmp_path / 'missing.db'}").test_client()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"ok": False, "error": "database unavailable"}
