"""The catalog's structure (departments, degrees, which chats belong to which), received as an event.

The catalog publishes the whole structure — a snapshot, not a diff — as the Celery task
`aula.stats.catalog_structure` on the queue `aula.stats`, with one dict argument:

    {"published_at": "2026-11-22T10:00:00+00:00",
     "departments": [{"slug": "informatica", "name": "Dipartimento di Informatica"}],
     "degrees": [{"slug": "informatica-l31", "name": "Informatica", "department": "informatica"}],
     "groups": [{"chat_id": -1001234567890, "degrees": ["informatica-l31"], "departments": []}]}

`groups[].degrees`: the degrees a chat belongs to (its degree's group, or its course's degrees);
`groups[].departments`: departments the chat belongs to directly (a department's group). A chat's departments
for the rollups are these plus those of its degrees. A snapshot older than the stored one is ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from aula_shared.timestamps import as_utc, event_time
from aula_stats.models import CatalogDegree, CatalogDepartment, CatalogSnapshot, ChatDegree, ChatDepartment

TASK_NAME = "aula.stats.catalog_structure"


class InvalidStructure(ValueError):
    """The payload does not have the documented shape (retrying cannot fix it)."""


@dataclass(frozen=True)
class Structure:
    published_at: datetime
    departments: dict[str, str]  # slug -> name
    degrees: dict[str, tuple[str, str | None]]  # slug -> (name, department slug)
    chat_degrees: set[tuple[int, str]]
    chat_departments: set[tuple[int, str]]

    @classmethod
    def parse(cls, payload: Any) -> Structure:
        if not isinstance(payload, dict):
            raise InvalidStructure("the structure must be an object")
        published_at = event_time(payload.get("published_at"), "published_at", InvalidStructure)
        departments = {_slug(d, "department"): _text(d, "name") for d in _list(payload, "departments")}
        degrees = {}
        for degree in _list(payload, "degrees"):
            department = degree.get("department")
            if department is not None and not isinstance(department, str):
                raise InvalidStructure(f"degree department must be a slug, got {department!r}")
            degrees[_slug(degree, "degree")] = (_text(degree, "name"), department)
        chat_degrees, chat_departments = set(), set()
        for group in _list(payload, "groups"):
            chat_id = group.get("chat_id")
            if type(chat_id) is not int or chat_id == 0:
                raise InvalidStructure(f"groups[].chat_id must be a non-zero integer, got {chat_id!r}")
            for slug in _slugs(group, "degrees"):
                chat_degrees.add((chat_id, slug))
                if slug in degrees and degrees[slug][1]:
                    chat_departments.add((chat_id, degrees[slug][1]))
            chat_departments.update((chat_id, slug) for slug in _slugs(group, "departments"))
        return cls(published_at, departments, degrees, chat_degrees, chat_departments)


def apply_structure(session: Session, structure: Structure) -> bool:
    """Replace the stored structure with this snapshot; False if the stored one is as new or newer."""
    snapshot = session.get(CatalogSnapshot, 1, with_for_update=True)
    if snapshot is not None and as_utc(snapshot.published_at) >= structure.published_at:
        return False
    if snapshot is None:
        session.add(CatalogSnapshot(id=1, published_at=structure.published_at))
    else:
        snapshot.published_at = structure.published_at
    for model in (ChatDegree, ChatDepartment, CatalogDegree, CatalogDepartment):
        session.execute(delete(model))
    session.add_all(CatalogDepartment(slug=slug, name=name) for slug, name in structure.departments.items())
    session.add_all(
        CatalogDegree(slug=slug, name=name, department_slug=department)
        for slug, (name, department) in structure.degrees.items()
    )
    session.add_all(ChatDegree(chat_id=c, degree_slug=s) for c, s in structure.chat_degrees)
    session.add_all(ChatDepartment(chat_id=c, department_slug=s) for c, s in structure.chat_departments)
    return True


def _list(payload: dict, key: str) -> list[dict]:
    items = payload.get(key, [])
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise InvalidStructure(f"{key} must be a list of objects")
    return items


def _slug(item: dict, what: str) -> str:
    slug = item.get("slug")
    if not isinstance(slug, str) or not slug or len(slug) > 64:
        raise InvalidStructure(f"{what} slug must be a string of 1 to 64 characters, got {slug!r}")
    return slug


def _slugs(item: dict, key: str) -> list[str]:
    slugs = item.get(key, [])
    if not isinstance(slugs, list) or not all(isinstance(s, str) and 0 < len(s) <= 64 for s in slugs):
        raise InvalidStructure(f"groups[].{key} must be a list of slugs")
    return slugs


def _text(item: dict, key: str) -> str:
    value = item.get(key)
    if not isinstance(value, str):
        raise InvalidStructure(f"{key} must be a string, got {value!r}")
    return value[:256]
