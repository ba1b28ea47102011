"""The importers on every file of the legacy data, with exact counts; idempotency; broken files change nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from catalog.catalog_data import LEGACY
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aula_catalog.importers import IMPORTERS, ImportFailed, apply, read_json, run_import
from aula_catalog.importers import fields as f
from aula_catalog.models import (
    Course,
    CourseDegree,
    CourseLink,
    Degree,
    DegreeLink,
    Department,
    FeaturedGroup,
    GroupAdmin,
    Representative,
    TelegramGroup,
    TelegramUser,
)
from aula_shared.db import engine_for, session_scope

# Every file under legacy-data/, what `aula catalog import-legacy` makes of it: (path, what the database holds
# before — "empty" or "data" (src/data/Data.json imported) —, counts per entity as (added, updated,
# unchanged, removed), skipped records by reason) or, for files that are not catalog data, the error.
LEGACY_FILES = [
    (
        "data/Data.json",
        "empty",
        {"degree links": (41, 0, 0, 0), "degrees": (10, 0, 0, 0), "departments": (4, 0, 0, 0)},
        {"link without a URL": 1},
    ),
    ("data/DegreeInformations.json", "data", {"degree links": (0, 41, 0, 0)}, {"link without a URL": 1}),
    ("data/ExtraGroups.json", "empty", {"featured groups": (17, 0, 0, 0), "telegram groups": (16, 0, 0, 0)}, {}),
    ("data/Faqs.json", "empty", None, "not catalog data: this looks like the website's FAQ"),
    ("data/GroupTypes.json", "empty", None, "not catalog data: this looks like a list of website links"),
    ("data/Rules.json", "empty", None, "not catalog data: this looks like the network rules"),
    ("data/UniversityLinks.json", "empty", None, "not catalog data: this looks like a list of website links"),
    ("data/groups/Announcements.json", "empty", {"featured groups": (4, 0, 0, 0), "telegram groups": (4, 0, 0, 0)}, {}),
    ("data/groups/Groups.json", "empty", {"featured groups": (12, 0, 0, 0), "telegram groups": (12, 0, 0, 0)}, {}),
    ("data/groups/StudentsAssociations.json", "empty", {"featured groups": (1, 0, 0, 0)}, {}),
    ("data/services/Guides.json", "empty", None, "not catalog data: this looks like a list of website links"),
    ("data/services/Redirects.json", "empty", None, "not catalog data: this looks like a list of website links"),
    ("data/services/Tools.json", "empty", None, "not catalog data: this looks like a list of website links"),
    ("public/sitemap.xml", "empty", None, "not JSON"),
    ("scraper/course_data.json", "empty", None, "use `aula catalog import-courses`"),
    ("scraper/degree_data.json", "empty", None, "use `aula catalog import-degrees`"),
    (
        "src/data/Data.json",
        "empty",
        {
            "course degrees": (211, 0, 0, 0),
            "course links": (70, 0, 0, 0),
            "courses": (200, 0, 0, 0),
            "degree links": (41, 0, 0, 0),
            "degrees": (9, 0, 0, 0),
            "departments": (6, 0, 0, 0),
            "group admins": (14, 0, 0, 0),
            "main groups": (2, 0, 0, 0),
            "representatives": (14, 0, 0, 0),
            "telegram groups": (173, 0, 0, 0),
            "telegram users": (27, 0, 0, 0),
        },
        {
            "link without a URL": 1,
            "main group without a Telegram group": 3,
            "no Telegram user id": 1,
            "the same course twice in one degree": 1,
        },
    ),
    ("src/data/ExtraGroups.json", "empty", {"featured groups": (16, 0, 0, 0), "telegram groups": (15, 0, 0, 0)}, {}),
    ("src/data/Faqs.json", "empty", None, "not catalog data: this looks like the website's FAQ"),
    (
        "src/data/Groups_magistrale_informatica.json",
        "data",
        {
            "course degrees": (1, 0, 83, 0),
            "course links": (0, 0, 0, 2),
            "courses": (1, 63, 20, 0),
            "telegram groups": (56, 0, 2, 0),
        },
        {"main group without a Telegram group": 1, "the same course twice in one degree": 1},
    ),
    (
        "src/data/Groups_magistrale_sicurezza_informatica.json",
        "data",
        {
            "course degrees": (1, 0, 16, 0),
            "course links": (10, 0, 22, 0),
            "courses": (1, 15, 1, 0),
            "telegram groups": (13, 0, 0, 0),
        },
        {"main group without a Telegram group": 1},
    ),
    (
        "src/data/Groups_triennale_informatica.json",
        "data",
        {
            "course degrees": (2, 0, 36, 0),
            "course links": (3, 0, 41, 0),
            "courses": (2, 33, 3, 0),
            "telegram groups": (35, 0, 0, 0),
        },
        {},
    ),
    (
        "src/data/Groups_triennale_informatica_com_dig.json",
        "data",
        {
            "course degrees": (0, 0, 24, 0),
            "course links": (0, 0, 1, 2),
            "courses": (0, 22, 2, 0),
            "telegram groups": (22, 0, 1, 0),
        },
        {},
    ),
    (
        "src/data/Groups_triennale_informatica_musicale.json",
        "data",
        {"course degrees": (0, 0, 3, 0), "courses": (0, 1, 2, 0), "telegram groups": (1, 0, 2, 0)},
        {},
    ),
    (
        "src/data/Groups_triennale_sicurezza_sistemi_reti_informatiche.json",
        "data",
        {"course degrees": (1, 0, 18, 0), "courses": (1, 17, 1, 0), "telegram groups": (18, 0, 0, 0)},
        {},
    ),
    (
        "src/data/Groups_triennale_sicurezza_sistemi_reti_informatiche_online.json",
        "data",
        {"course degrees": (0, 0, 18, 0), "courses": (0, 17, 1, 0), "telegram groups": (17, 0, 1, 0)},
        {"main group without a Telegram group": 1},
    ),
    ("src/data/Guides.json", "empty", None, "not catalog data: this looks like a list of website links"),
    ("src/data/HomeLinks.json", "empty", None, "not catalog data: this looks like a list of website links"),
    ("src/data/Redirects.json", "empty", None, "not catalog data: this looks like a list of website links"),
    ("src/data/Rules.json", "empty", None, "not catalog data: this looks like the network rules"),
    ("src/data/Services.json", "empty", None, "not catalog data: this looks like a list of website links"),
    ("src/data/Tools.json", "empty", None, "not catalog data: this looks like a list of website links"),
    ("src/data/UniversityLinks.json", "empty", None, "not catalog data: this looks like a list of website links"),
    (
        "website/src/data/CdlCourses.json",
        "data",
        {
            "course degrees": (8, 2, 191, 0),
            "course links": (2, 0, 41, 20),
            "courses": (8, 158, 29, 0),
            "main groups": (3, 0, 0, 0),
            "telegram groups": (153, 0, 6, 0),
        },
        {},
    ),
    (
        "website/src/data/Groups_magistrale_informatica.json",
        "data",
        {
            "course degrees": (1, 0, 83, 0),
            "course links": (0, 0, 0, 2),
            "courses": (1, 63, 20, 0),
            "telegram groups": (55, 0, 2, 0),
        },
        {"main group without a Telegram group": 1},
    ),
    (
        "website/src/data/Groups_magistrale_sicurezza_informatica.json",
        "data",
        {
            "course degrees": (1, 0, 16, 0),
            "course links": (10, 0, 22, 0),
            "courses": (1, 15, 1, 0),
            "telegram groups": (13, 0, 0, 0),
        },
        {"main group without a Telegram group": 1},
    ),
    (
        "website/src/data/Groups_triennale_informatica.json",
        "data",
        {
            "course degrees": (3, 0, 36, 0),
            "course links": (3, 0, 41, 0),
            "courses": (3, 33, 3, 0),
            "telegram groups": (35, 0, 0, 0),
        },
        {},
    ),
    (
        "website/src/data/Groups_triennale_informatica_com_dig.json",
        "data",
        {
            "course degrees": (1, 0, 24, 0),
            "course links": (0, 0, 1, 2),
            "courses": (1, 22, 2, 0),
            "telegram groups": (22, 0, 1, 0),
        },
        {},
    ),
    (
        "website/src/data/Groups_triennale_informatica_comunicazione_digitale.json",
        "data",
        {
            "course degrees": (1, 0, 24, 0),
            "course links": (0, 0, 1, 2),
            "courses": (1, 22, 2, 0),
            "telegram groups": (22, 0, 1, 0),
        },
        {},
    ),
    (
        "website/src/data/Groups_triennale_informatica_musicale.json",
        "data",
        {"course degrees": (1, 0, 3, 0), "courses": (1, 1, 2, 0), "telegram groups": (1, 0, 2, 0)},
        {},
    ),
    (
        "website/src/data/Groups_triennale_sicurezza_sistemi_reti_informatiche.json",
        "data",
        {"course degrees": (2, 0, 18, 0), "courses": (2, 17, 1, 0), "telegram groups": (18, 0, 0, 0)},
        {},
    ),
    (
        "website/src/data/Groups_triennale_sicurezza_sistemi_reti_informatiche_online.json",
        "data",
        {"course degrees": (0, 0, 18, 0), "courses": (0, 17, 1, 0), "telegram groups": (17, 0, 1, 0)},
        {"main group without a Telegram group": 1},
    ),
    (
        "website/src/data/GruppiExtra.json",
        "empty",
        {"featured groups": (8, 0, 0, 0), "telegram groups": (8, 0, 0, 0)},
        {},
    ),
]


def counts(report) -> dict[str, tuple[int, int, int, int]]:
    entities = set(report.added) | set(report.updated) | set(report.unchanged) | set(report.removed)
    return {e: (report.added[e], report.updated[e], report.unchanged[e], report.removed[e]) for e in entities}


def table_sizes(url: str) -> dict[str, int]:
    models = {
        "departments": Department,
        "degrees": Degree,
        "degree links": DegreeLink,
        "courses": Course,
        "course degrees": CourseDegree,
        "course links": CourseLink,
        "telegram groups": TelegramGroup,
        "telegram users": TelegramUser,
        "representatives": Representative,
        "group admins": GroupAdmin,
        "featured groups": FeaturedGroup,
    }
    with session_scope(url) as session:
        return {name: session.scalar(select(func.count()).select_from(model)) for name, model in models.items()}


@pytest.fixture(scope="module")
def databases(module_database) -> dict[str, str]:
    empty = module_database()
    data = module_database()
    run_import(data, "legacy", LEGACY / "src/data/Data.json")
    return {"empty": empty, "data": data}


def test_the_table_covers_every_legacy_file():
    on_disk = {str(p.relative_to(LEGACY)) for p in LEGACY.rglob("*") if p.is_file() and p.name != "MANIFEST.tsv"}
    assert on_disk == {path for path, *_ in LEGACY_FILES}


@pytest.mark.parametrize(("path", "before", "expected", "skipped"), LEGACY_FILES, ids=[row[0] for row in LEGACY_FILES])
def test_every_legacy_file_imports_with_exact_counts_and_idempotently(databases, path, before, expected, skipped):
    url = databases[before]
    session = Session(engine_for(url))
    try:
        if expected is None:
            with pytest.raises(ImportFailed) as failure:
                apply(session, IMPORTERS["legacy"], read_json(LEGACY / path), source=Path(path).name)
            assert skipped in str(failure.value)
            return
        data = read_json(LEGACY / path)
        first = apply(session, IMPORTERS["legacy"], data, source=Path(path).name)
        assert counts(first) == expected
        assert dict(first.skipped_by_reason()) == skipped
        second = apply(session, IMPORTERS["legacy"], data, source=Path(path).name)
        assert not second.changed, second.lines()
        assert sum(second.unchanged.values()) == sum(sum(c) - c[3] for c in expected.values())
    finally:
        session.rollback()  # every file is tried against the same starting point
        session.close()


def test_data_json_fills_every_table_and_a_second_run_changes_nothing(new_database):
    url = new_database()
    first = run_import(url, "legacy", LEGACY / "src/data/Data.json")
    assert first.changed
    sizes = table_sizes(url)
    assert sizes == {
        "departments": 6,
        "degrees": 9,
        "degree links": 41,
        "courses": 200,
        "course degrees": 211,
        "course links": 70,
        "telegram groups": 173,
        "telegram users": 27,
        "representatives": 14,
        "group admins": 14,
        "featured groups": 0,
    }
    second = run_import(url, "legacy", LEGACY / "src/data/Data.json")
    assert not second.changed
    assert "nothing changed" in second.lines()[-1]
    assert table_sizes(url) == sizes


def test_scraper_degrees_74_added_each_in_its_own_department(new_database):
    url = new_database()
    report = run_import(url, "degrees", LEGACY / "scraper/degree_data.json")
    assert counts(report) == {"departments": (33, 0, 0, 0), "degrees": (74, 0, 0, 0), "degree links": (74, 0, 0, 0)}
    assert dict(report.skipped_by_reason()) == {"no department": 3}
    items = {
        " ".join(item["degree"].split()): item for item in json.loads((LEGACY / "scraper/degree_data.json").read_text())
    }
    with session_scope(url) as session:
        degrees = session.scalars(select(Degree)).all()
        # The original put every degree on the first department; each must be on its own.
        assert all(degree.department.name == items[degree.name]["department"] for degree in degrees)
        assert len({degree.department_id for degree in degrees}) == 33
        by_type = {t: sum(1 for d in degrees if d.type == t) for t in "BMC"}
        assert by_type == {"B": 65, "M": 0, "C": 9}
        informatica = session.scalars(select(Degree).where(Degree.name == "Informatica")).one()
        assert informatica.slug == "triennale-informatica"
        assert [link.url for link in informatica.links] == [items["Informatica"]["site"]]
    again = run_import(url, "degrees", LEGACY / "scraper/degree_data.json")
    assert counts(again) == {"degrees": (0, 0, 74, 0)}
    assert not again.changed


def test_scraper_courses_5087_added_43_ignored_then_nothing(new_database):
    url = new_database()
    report = run_import(url, "courses", LEGACY / "scraper/course_data.json")
    assert counts(report) == {"courses": (5087, 0, 0, 0)}
    assert dict(report.skipped_by_reason()) == {
        "repeated slug": 42,
        "repeated slug with a different title or cfu": 1,
    }
    with session_scope(url) as session:
        assert session.scalar(select(func.count()).select_from(Course)) == 5087
        course = session.scalars(select(Course).where(Course.slug_unimi == "3d-video-games")).one()
        assert (course.name, course.cfu) == ("3d video games", 6)
        unknown_cfu = session.scalars(
            select(Course).where(Course.slug_unimi == "esercitazioni-linguistiche-lingua-danese")
        ).one()
        assert unknown_cfu.cfu == 0
    again = run_import(url, "courses", LEGACY / "scraper/course_data.json")
    assert counts(again) == {"courses": (0, 0, 5087, 0)}


def test_a_course_changed_on_unimi_is_updated_not_ignored(new_database, tmp_path):
    url = new_database()
    source = tmp_path / "courses.json"
    source.write_text(json.dumps([{"title": "Logica", "slug": "logica-x", "profs": [], "language": "", "cfu": "6"}]))
    run_import(url, "courses", source)
    source.write_text(json.dumps([{"title": "Logica 1", "slug": "logica-x", "profs": [], "language": "", "cfu": "9"}]))
    report = run_import(url, "courses", source)
    assert counts(report) == {"courses": (0, 1, 0, 0)}
    with session_scope(url) as session:
        assert tuple(session.execute(select(Course.name, Course.cfu)).one()) == ("Logica 1", 9)


def test_the_legacy_mess_is_read_into_catalog_values(new_database):
    url = new_database()
    run_import(url, "legacy", LEGACY / "src/data/Data.json")
    with session_scope(url) as session:

        def row(degree_slug: str, course_name: str) -> CourseDegree:
            return session.scalars(
                select(CourseDegree)
                .join(Course)
                .join(Degree)
                .where(Degree.slug == degree_slug, Course.name == course_name)
            ).one()

        # "semestre": "1° e 2" → both semesters; "cfu": "6 / 6" → two modules of 6.
        assert row("triennale-sicurezza-sistemi-reti-informatiche", "Matematica del continuo").semester == 3
        assert row("triennale-sicurezza-sistemi-reti-informatiche-online", "Sistemi Operativi I e II").course.cfu == 12
        # "cfu" as a string, and null → 0.
        assert row("triennale-informatica-com-digitale", "Marketing digitale").course.cfu == 9
        cohort = row("triennale-informatica", "A. A. 2017/2018")
        assert (cohort.year, cohort.semester, cohort.course.cfu, cohort.course.group) == (-1, 0, 0, None)
        assert row("triennale-informatica", "Computer Graphics").year == -2
        # "chat_id" as a string "@name" names a public group.
        continuo = row("triennale-informatica-musicale", "Matematica del continuo").course.group
        assert (continuo.chat_id, continuo.username, continuo.invite_link) == (
            None,
            "continuoMusicale",
            "https://t.me/continuoMusicale",
        )
        # One group shared by courses of three degrees stays one group.
        programmazione = session.scalars(select(TelegramGroup).where(TelegramGroup.chat_id == -1001157628331)).one()
        courses = session.scalars(select(Course).where(Course.group_id == programmazione.id)).all()
        assert sorted(c.name for c in courses) == ["Programmazione", "Programmazione 1"]
        statistica = session.scalars(
            select(Course).join(TelegramGroup).where(TelegramGroup.chat_id == -100264187371)
        ).one()
        assert sorted(r.degree.slug for r in statistica.degree_rows) == [
            "triennale-informatica-com-digitale",
            "triennale-informatica-musicale",
        ]
        # "Gruppo principale" (anno -1) is the degree's main group, not a course.
        fisica = session.scalars(select(Degree).where(Degree.slug == "triennale-fisica")).one()
        assert fisica.group.invite_link == "https://t.me/joinchat/GKyzuA1oLBIxZTY0"
        assert fisica.course_rows == []
        # websites → links, wiki → wiki_link, the broken "http: //" URL repaired.
        logica = row("triennale-informatica", "Logica matematica").course
        assert logica.wiki_link.startswith("https://wiki.studentiunimi.it/")
        assert [link.name for link in logica.links] == ["Avvisi", "Materiale"]
        fisica_links = session.scalars(
            select(DegreeLink.url).join(Degree).where(Degree.slug == "triennale-fisica").order_by(DegreeLink.position)
        ).all()
        assert "http://www.fisica.unimi.it/ecm/home" in fisica_links
        # Representatives with names; admins with only a username keep it as their name.
        busolin = session.scalars(select(TelegramUser).where(TelegramUser.username == "davidebusolin")).one()
        assert (busolin.id, busolin.first_name, busolin.last_name) == (108121631, "Davide", "Busolin")
        admin = session.scalars(select(TelegramUser).where(TelegramUser.id == 119507304)).one()
        assert (admin.first_name, admin.last_name, admin.username) == ("MrBrionix", None, "MrBrionix")


def test_a_broken_file_changes_nothing_and_names_the_record(new_database, tmp_path):
    url = new_database()
    data = json.loads((LEGACY / "src/data/Data.json").read_text())
    data["departments"][0]["cdls"][1]["courses"][3]["cfu"] = "lots"
    broken = tmp_path / "Data.json"
    broken.write_text(json.dumps(data))
    with pytest.raises(ImportFailed) as failure:
        run_import(url, "legacy", broken)
    course_name = data["departments"][0]["cdls"][1]["courses"][3]["name"]
    assert failure.value.record == (
        f"departments[0] (informatica).cdls[1] (triennale-informatica-musicale).courses[3] ({course_name!r})"
    )
    assert failure.value.reason == "cfu 'lots' is not a number of credits"
    assert set(table_sizes(url).values()) == {0}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "not JSON"),
        (b'{"departments": [{"name": "No id"}]}', "departments[0]: 'id' is missing or empty"),
        (b'{"departments": [{"id": "x", "name": "X", "cdls": {}}]}', "'cdls' must be a list"),
        (b'[{"title": "x"}]', "not catalog data: this looks like the network rules"),
        (b"[]", "not a legacy catalog file"),
    ],
)
def test_malformed_inputs_are_refused(new_database, tmp_path, content, message):
    url = new_database()
    path = tmp_path / "input.json"
    path.write_bytes(content)
    with pytest.raises(ImportFailed) as failure:
        run_import(url, "legacy", path)
    assert message in str(failure.value)


def test_scraper_files_with_the_wrong_shape_are_refused(new_database):
    url = new_database()
    with pytest.raises(ImportFailed, match="missing degree, type, department"):
        run_import(url, "degrees", LEGACY / "scraper/course_data.json")
    with pytest.raises(ImportFailed, match="missing title, slug"):
        run_import(url, "courses", LEGACY / "scraper/degree_data.json")
    assert set(table_sizes(url).values()) == {0}


def test_a_dry_run_reports_but_writes_nothing(new_database):
    url = new_database()
    report = run_import(url, "legacy", LEGACY / "src/data/Data.json", dry_run=True)
    assert report.added["courses"] == 200
    assert set(table_sizes(url).values()) == {0}


def test_per_degree_files_need_their_degree(new_database):
    url = new_database()
    with pytest.raises(ImportFailed, match="unknown degree 'triennale-informatica'"):
        run_import(url, "legacy", LEGACY / "src/data/Groups_triennale_informatica.json")


def test_staff_edits_survive_an_import_of_other_files_and_the_file_wins_for_its_own_rows(new_database):
    url = new_database()
    run_import(url, "legacy", LEGACY / "src/data/Data.json")
    logica = (
        select(Course)
        .join(CourseDegree)
        .join(Degree)
        .where(Degree.slug == "triennale-informatica", Course.name == "Logica matematica")
    )
    with session_scope(url) as session:
        session.scalars(logica).one().cfu = 7
    run_import(url, "courses", LEGACY / "scraper/course_data.json")
    with session_scope(url) as session:
        assert session.scalars(logica).one().cfu == 7
    report = run_import(url, "legacy", LEGACY / "src/data/Data.json")
    assert report.updated["courses"] == 1


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, 0), ("", 0), (1, 1), ("2", 2), (-2, -2), ("Complementare", -2), ("Anno accademico", -1), (" 3 ", 3)],
)
def test_year_readings(value, expected):
    assert f.year("r", value) == expected


@pytest.mark.parametrize(
    ("value", "expected"), [(None, 0), ("", 0), (1, 1), ("2", 2), ("3", 3), ("1° e 2", 3), ("1°,2", 3)]
)
def test_semester_readings(value, expected):
    assert f.semester("r", value) == expected


@pytest.mark.parametrize(("value", "expected"), [(None, 0), ("", 0), (6, 6), ("9", 9), ("6 / 6", 12)])
def test_cfu_readings(value, expected):
    assert f.cfu("r", value) == expected


@pytest.mark.parametrize("reader", [f.year, f.semester, f.cfu])
@pytest.mark.parametrize("value", [True, "many", 3.5, [], {"a": 1}, "-"])
def test_values_that_mean_nothing_fail_with_the_record(reader, value):
    with pytest.raises(ImportFailed) as failure:
        reader("departments[0].courses[1]", value)
    assert failure.value.record == "departments[0].courses[1]"


@pytest.mark.parametrize(
    ("chat", "link", "expected"),
    [
        (-1001157628331, None, (-1001157628331, None, None)),
        ("-100123", "https://t.me/x", (-100123, None, "https://t.me/x")),
        (
            "@continuoMusicale",
            "https://t.me/continuoMusicale",
            (None, "continuoMusicale", "https://t.me/continuoMusicale"),
        ),
        ("", "", (None, None, None)),
        (None, None, (None, None, None)),
    ],
)
def test_group_references(chat, link, expected):
    ref = f.group_ref("r", chat, link)
    assert (ref.chat_id, ref.username, ref.invite_link) == expected
