"""The unimi-scraper's degree and course lists (the original's `/api/import/degrees|courses`).

Fixes over the original: each degree goes to its own department (the original put all of them on the first),
and a course's credits or title changed on unimi.it update the existing course instead of being "ignored".
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from aula_catalog.importers import fields
from aula_catalog.importers.report import ImportFailed, ImportReport
from aula_catalog.importers.writer import CatalogWriter, LinkEntry
from aula_catalog.models import Course, Degree, DegreeType, Department
from aula_catalog.text import slugify

DEGREE_TYPES = {
    "laurea triennale": DegreeType.BACHELOR,
    "laurea magistrale": DegreeType.MASTER,
    "laurea magistrale a ciclo unico": DegreeType.SINGLE_CYCLE,
}
# Slug prefixes in the production style ("triennale-informatica", "magistrale-archeologia").
SLUG_PREFIXES = {
    DegreeType.BACHELOR: "triennale",
    DegreeType.MASTER: "magistrale",
    DegreeType.SINGLE_CYCLE: "ciclo-unico",
}
SITE_LINK = LinkEntry(name_it="Sito del corso di laurea", name_en="Degree website", url="", icon="AiOutlineGlobal")


def import_degrees(session: Session, data: Any, *, source: str) -> ImportReport:
    """Items `{faculty, department, year, degree, site, type, language}`."""
    report = ImportReport(source=source)
    writer = CatalogWriter(session, report)
    items = _items(data, ("degree", "type", "department"))
    departments = {d.name: d for d in session.scalars(select(Department))}
    taken_slugs = set(session.scalars(select(Degree.slug)))
    for index, item in enumerate(items):
        record = f"[{index}]"
        name = fields.text(record, item, "degree", required=True, limit=128)
        record = f"[{index}] ({name!r})"
        department_name = fields.text(record, item, "department", limit=128)
        raw_type = fields.text(record, item, "type") or ""
        degree_type = DEGREE_TYPES.get(raw_type.lower())
        if not department_name:
            report.skip(record, "no department")
            continue
        if degree_type is None:
            report.skip(record, f"unknown degree type {raw_type!r}")
            continue
        department = departments.get(department_name)
        if department is None:
            department = writer.department(
                record,
                slug=_unique(slugify(department_name)[:64], _department_slugs(session)),
                name=department_name,
                icon=None,
            )
            departments[department_name] = department
        existing = session.scalars(select(Degree).where(Degree.name == name, Degree.type == degree_type.value)).first()
        if existing is not None:
            # Already present: staff may have moved or renamed it since; the scraper does not overrule them.
            report.count("degrees", "unchanged")
            continue
        slug = _unique(f"{SLUG_PREFIXES[degree_type]}-{slugify(name)}"[:64], taken_slugs)
        taken_slugs.add(slug)
        degree = writer.degree(record, slug=slug, name=name, type=degree_type.value, department=department, icon=None)
        site = fields.url(record, item, "site")
        if site:
            writer.degree_links(record, degree, [LinkEntry(**{**SITE_LINK.__dict__, "url": site})])
    return report


def import_courses(session: Session, data: Any, *, source: str) -> ImportReport:
    """Items `{title, slug, profs[], language, cfu}`; a course is identified by its unimi.it slug.

    `profs` and `language` are not read, as in the original: professors are free text in another order
    ("Tarini Marco") and repeated per module.
    """
    report = ImportReport(source=source)
    items = _items(data, ("title", "slug"))
    existing = {
        course.slug_unimi: course for course in session.scalars(select(Course).where(Course.slug_unimi.is_not(None)))
    }
    seen: dict[str, tuple[str, int]] = {}
    new_courses = []
    for index, item in enumerate(items):
        record = f"[{index}]"
        slug = fields.text(record, item, "slug", limit=200)
        title = fields.text(record, item, "title", limit=200)
        if not slug or not title:
            report.skip(record, "no title or slug")
            continue
        record = f"[{index}] ({slug})"
        cfu = fields.cfu(record, item.get("cfu"))
        if slug in seen:
            same = seen[slug] == (title, cfu)
            report.skip(record, "repeated slug" if same else "repeated slug with a different title or cfu")
            continue
        seen[slug] = (title, cfu)
        course = existing.get(slug)
        if course is None:
            new_courses.append(Course(name=title, cfu=cfu, slug_unimi=slug))
            report.count("courses", "added")
        elif (course.name, course.cfu) != (title, cfu):
            course.name, course.cfu = title, cfu
            report.count("courses", "updated")
        else:
            report.count("courses", "unchanged")
    session.add_all(new_courses)
    return report


def _items(data: Any, required: tuple[str, ...]) -> list[dict]:
    if not isinstance(data, list):
        raise ImportFailed("", "expected a JSON list of scraper items")
    for index, item in enumerate(data):
        if not isinstance(item, dict):
            raise ImportFailed(f"[{index}]", "must be an object")
        missing = [key for key in required if key not in item]
        if missing:
            raise ImportFailed(f"[{index}]", f"missing {', '.join(missing)} (is this the right scraper file?)")
    return data


def _department_slugs(session: Session) -> set[str]:
    return set(session.scalars(select(Department.slug)))


def _unique(slug: str, taken: set[str]) -> str:
    candidate, suffix = slug, 2
    while candidate in taken:
        candidate = f"{slug[: 64 - len(str(suffix)) - 1]}-{suffix}"
        suffix += 1
    return candidate
