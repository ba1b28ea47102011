"""The website's legacy JSON files (see research §5.4), recognised by their shape.

- `{"departments": [...]}`: `src/data/Data.json` (2021, with courses) and `data/Data.json` (2022, without).
  Departments, degrees, degree links (`redirects`), courses, main groups (`anno` -1 "Gruppo principale"),
  representatives and group admins.
- `[{"slug", "degreeInformations"}]`: `data/DegreeInformations.json`. Degree links.
- `[{"name", "description", "gruppo" or "href"}]`: `ExtraGroups.json`, `groups/*.json`, `GruppiExtra.json`.
  Featured groups, in the category given by `--category` or the file name.
- `[{"name", "anno", "semestre", "gruppo", ...}]`: `Groups_<degree>.json` (2020-21). Courses of one degree.
- `{"<degree>": [{"name", "anno", ...}]}`: `CdlCourses.json` (2020). Courses of several degrees.

Anything else (FAQ, rules, services, sitemap...) is not catalog data and is refused.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from aula_catalog.importers import fields
from aula_catalog.importers.report import ImportFailed, ImportReport
from aula_catalog.importers.writer import CatalogWriter, CourseEntry, LinkEntry
from aula_catalog.models import YEAR_COHORT_GROUP, Degree, DegreeType, FeaturedCategory
from aula_catalog.text import fold, normalise_slug

MAIN_GROUP_NAME = "gruppo principale"

# Degree slugs the legacy files spell differently from the degree itself (after normalise_slug).
DEGREE_ALIASES = {
    "triennale-informatica-com-dig": "triennale-informatica-com-digitale",
    "triennale-informatica-comunicazione-digitale": "triennale-informatica-com-digitale",
}

# Featured-group category by file name, when --category is not given.
CATEGORY_BY_FILE = {"announcements": "a", "studentsassociations": "s"}


def import_legacy(
    session: Session, data: Any, *, source: str, category: str | None = None, degree: str | None = None
) -> ImportReport:
    """Import one legacy file's parsed JSON. Raises ImportFailed (nothing written by the caller) if broken."""
    report = ImportReport(source=source)
    writer = CatalogWriter(session, report)
    kind = detect(data)
    if kind == "departments":
        _departments(writer, data)
    elif kind == "degree-links":
        _degree_links(writer, data)
    elif kind == "featured-groups":
        _featured_groups(writer, data, category or _category_from_name(source))
    elif kind == "degree-courses":
        _degree_course_list(writer, data, degree or _degree_from_name(source), "")
    elif kind == "courses-by-degree":
        for key, items in data.items():
            slug = normalise_slug(key)
            if not slug.startswith(("triennale-", "magistrale-")):
                slug = f"triennale-{slug}"  # CdlCourses.json named bachelor degrees without a prefix
            _degree_course_list(writer, items, slug, f"{key}")
    return report


def detect(data: Any) -> str:
    """Which legacy shape `data` has; ImportFailed for anything the catalog does not hold."""
    if isinstance(data, dict):
        if isinstance(data.get("departments"), list):
            return "departments"
        if data and all(isinstance(value, list) and _looks_like_courses(value) for value in data.values()):
            return "courses-by-degree"
    elif isinstance(data, list) and data and all(isinstance(item, dict) for item in data):
        first = data[0]
        if "degreeInformations" in first and "slug" in first:
            return "degree-links"
        if _looks_like_courses(data):
            return "degree-courses"
        if "name" in first and "description" in first and ("gruppo" in first or "href" in first):
            return "featured-groups"
        if {"faculty", "degree", "type"} <= first.keys():
            raise ImportFailed("", "this is the scraper's degree list: use `aula catalog import-degrees`")
        if {"title", "slug", "cfu"} <= first.keys():
            raise ImportFailed("", "this is the scraper's course list: use `aula catalog import-courses`")
        if "question" in first or "answer" in first:
            raise ImportFailed("", "not catalog data: this looks like the website's FAQ")
        if "title" in first:
            raise ImportFailed("", "not catalog data: this looks like the network rules")
        if "link" in first or "href" in first:
            raise ImportFailed("", "not catalog data: this looks like a list of website links or services")
    raise ImportFailed("", "not a legacy catalog file (departments, degree informations, groups or courses)")


def _looks_like_courses(items: list) -> bool:
    return bool(items) and all(isinstance(item, dict) and "anno" in item and "name" in item for item in items)


def _category_from_name(source: str) -> str:
    stem = re.sub(r"[^a-z]", "", Path(source).stem.lower())
    return CATEGORY_BY_FILE.get(stem, FeaturedCategory.UNIVERSITY.value)


def _degree_from_name(source: str) -> str:
    stem = Path(source).stem
    if not stem.startswith("Groups_"):
        raise ImportFailed("", "a list of courses needs --degree SLUG (or a Groups_<degree>.json file name)")
    return stem.removeprefix("Groups_")


# --- {"departments": [...]} ------------------------------------------------------------------------------


def _departments(writer: CatalogWriter, data: dict) -> None:
    for d_index, item in enumerate(data["departments"]):
        record = f"departments[{d_index}]"
        _require_object(record, item)
        slug = normalise_slug(fields.text(record, item, "id", required=True, limit=64))
        record = f"{record} ({slug})"
        department = writer.department(
            record,
            slug=slug,
            name=fields.text(record, item, "name", required=True, limit=128),
            icon=fields.text(record, item, "icon", limit=64),
        )
        for r_index, person in enumerate(_list(record, item, "representatives")):
            _representative(writer, f"{record}.representatives[{r_index}]", department, person)
        for c_index, cdl in enumerate(_list(record, item, "cdls")):
            _degree(writer, f"{record}.cdls[{c_index}]", department, cdl)


def _representative(writer: CatalogWriter, record: str, department, person: Any) -> None:
    _require_object(record, person)
    user_id = _user_id(record, person)
    username = fields.text(record, person, "username", limit=64)
    if user_id is None:
        writer.report.skip(record, "no Telegram user id")
        return
    first_name = fields.text(record, person, "name", limit=256)
    user = writer.user(
        record,
        user_id=user_id,
        first_name=first_name or username or str(user_id),
        last_name=fields.text(record, person, "surname", limit=256),
        username=username.lstrip("@") if username else None,
        names_known=first_name is not None,
    )
    writer.representative(record, department, user, fields.text(record, person, "cdl", limit=128) or "")


def _degree(writer: CatalogWriter, record: str, department, cdl: Any) -> None:
    _require_object(record, cdl)
    slug = _degree_slug(fields.text(record, cdl, "id", required=True, limit=64))
    record = f"{record} ({slug})"
    is_master = cdl.get("is_master")
    if is_master is None:
        # data/Data.json (2022) leaves it out for some degrees; the slug still says which kind it is.
        is_master = slug.startswith("magistrale-")
    if not isinstance(is_master, bool):
        raise ImportFailed(record, "'is_master' must be true or false")
    degree = writer.degree(
        record,
        slug=slug,
        name=fields.text(record, cdl, "name", required=True, limit=128),
        type=(DegreeType.MASTER if is_master else DegreeType.BACHELOR).value,
        department=department,
        icon=fields.text(record, cdl, "icon", limit=64),
    )
    if "redirects" in cdl:
        writer.degree_links(record, degree, _link_entries(writer, record, _list(record, cdl, "redirects")))
    for a_index, admin in enumerate(_list(record, cdl, "admins")):
        where = f"{record}.admins[{a_index}]"
        _require_object(where, admin)
        user_id = _user_id(where, admin)
        if user_id is None:
            writer.report.skip(where, "no Telegram user id")
            continue
        username = fields.text(where, admin, "username", limit=64)
        user = writer.user(
            where,
            user_id=user_id,
            first_name=username or str(user_id),
            last_name=None,
            username=username.lstrip("@") if username else None,
            names_known=False,
        )
        writer.group_admin(where, user, degree)
    for index, course in enumerate(_list(record, cdl, "courses")):
        _course(writer, f"{record}.courses[{index}]", degree, course)


def _course(writer: CatalogWriter, record: str, degree: Degree, item: Any) -> None:
    _require_object(record, item)
    name = fields.text(record, item, "name", required=True, limit=200)
    record = f"{record} ({name!r})"
    wiki = fields.url(record, item, "wiki") if "wiki" in item else None
    if wiki and not wiki.startswith(("http://", "https://")):
        writer.report.note(record, f"wiki {wiki!r} is not a link; left out")  # old "faqFile" names of XML files
        wiki = None
    entry = CourseEntry(
        name=name,
        year=fields.year(record, item.get("anno")),
        semester=fields.semester(record, item.get("semestre")),
        cfu=fields.cfu(record, item.get("cfu")),
        wiki_link=wiki,
        links=fields.course_links(record, item.get("websites")),
        group=fields.group_ref(record, item.get("chat_id"), item.get("gruppo")),
    )
    if entry.year == YEAR_COHORT_GROUP and fold(name) == MAIN_GROUP_NAME:
        # The legacy site listed the degree's main group as a pseudo-course; the catalog has Degree.group.
        group = writer.group(record, entry.group, title=degree.name)
        if group is None:
            writer.report.skip(record, "main group without a Telegram group")
        else:
            writer.main_group(record, degree, group)
        return
    writer.course_in_degree(record, degree, entry)


def _link_entries(writer: CatalogWriter, record: str, items: list) -> list[LinkEntry]:
    entries = []
    for index, item in enumerate(items):
        where = f"{record}.links[{index}]"
        _require_object(where, item)
        name_it, name_en = fields.translated(where, item, "name", required=True)
        description_it, description_en = fields.translated(where, item, "description")
        if not fields.url(where, item, "link"):
            writer.report.skip(where, "link without a URL")
            continue
        entries.append(
            LinkEntry(
                name_it=name_it,
                name_en=name_en,
                description_it=description_it,
                description_en=description_en,
                url=fields.url(where, item, "link", required=True),
                icon=fields.text(where, item, "icon", limit=64),
            )
        )
    return entries


# --- DegreeInformations.json -------------------------------------------------------------------------------


def _degree_links(writer: CatalogWriter, data: list) -> None:
    for index, item in enumerate(data):
        record = f"[{index}]"
        slug = _degree_slug(fields.text(record, item, "slug", required=True, limit=64))
        record = f"[{index}] ({slug})"
        links = _link_entries(writer, record, _list(record, item, "degreeInformations"))
        degree = writer.session.scalars(select(Degree).where(Degree.slug == slug)).first()
        if degree is None:
            writer.report.skip(record, "unknown degree")
            continue
        writer.degree_links(record, degree, links)


# --- featured groups ---------------------------------------------------------------------------------------


def _featured_groups(writer: CatalogWriter, data: list, category: str) -> None:
    if category not in {c.value for c in FeaturedCategory}:
        raise ImportFailed("", f"category must be one of u, a, s; got {category!r}")
    for index, item in enumerate(data):
        record = f"[{index}]"
        name_it, name_en = fields.translated(record, item, "name", required=True)
        record = f"[{index}] ({name_it!r})"
        description_it, description_en = fields.translated(record, item, "description")
        link = fields.url(record, item, "gruppo") or fields.url(record, item, "href")
        writer.featured_group(
            record,
            category=category,
            values={
                "name_it": name_it,
                "name_en": name_en,
                "description_it": description_it,
                "description_en": description_en,
                "image_url": fields.text(record, item, "image", limit=512),
            },
            link=link,
            # The files list groups in display order; the API sorts by descending order.
            order=10 * (len(data) - index),
        )


# --- per-degree course lists -------------------------------------------------------------------------------


def _degree_course_list(writer: CatalogWriter, items: list, degree_key: str, record_prefix: str) -> None:
    slug = _degree_slug(degree_key)
    degree = writer.session.scalars(select(Degree).where(Degree.slug == slug)).first()
    if degree is None:
        raise ImportFailed(record_prefix, f"unknown degree {slug!r}: import Data.json first, or pass --degree SLUG")
    for index, item in enumerate(items):
        record = f"{record_prefix}[{index}]"
        _require_object(record, item)
        if item.get("cdl") and _degree_slug(str(item["cdl"])) != slug:
            raise ImportFailed(record, f"course of degree {item['cdl']!r} in the list of {slug!r}")
        if "wiki" not in item and ("faqFile" in item or "faq" in item):
            item = {**item, "wiki": item.get("faqFile") or item.get("faq")}  # the wiki link's older names
        _course(writer, record, degree, item)


# --- helpers -----------------------------------------------------------------------------------------------


def _degree_slug(raw: str) -> str:
    slug = normalise_slug(raw)
    return DEGREE_ALIASES.get(slug, slug)


def _require_object(record: str, item: Any) -> None:
    if not isinstance(item, dict):
        raise ImportFailed(record, "must be an object")


def _list(record: str, item: dict, key: str) -> list:
    value = item.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ImportFailed(record, f"{key!r} must be a list")
    return value


def _user_id(record: str, person: dict) -> int | None:
    value = person.get("user_id")
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).strip().isdigit():
        raise ImportFailed(record, f"user_id {value!r} is not a Telegram user id")
    return int(value)
