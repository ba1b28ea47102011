"""Telling the workers how the university is organised, without them reading the catalog's tables.

Stats rolls activity up per degree and department, and moderation scopes roles by degree and department;
both need to know which chats belong to which degree. Whenever the catalog's revision moves, a beat task
publishes, as Celery task messages on the workers' own queues:

- `aula.stats.catalog_structure` (queue `aula.stats`): one snapshot of departments, degrees and chats;
- `aula.moderation.chat_scopes` (queue `aula.moderation`): one message per chat, its degrees and departments.

A chat belongs to a degree when it is the degree's main group or the group of one of the degree's courses;
its departments are those degrees' departments. The last published revision is remembered in Redis, so an
unchanged catalog publishes nothing and a lost Redis publishes everything again (both consumers replace).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

import redis
from sqlalchemy import select
from sqlalchemy.orm import Session

from aula_catalog.models import Course, CourseDegree, Degree, Department, Revision, TelegramGroup
from aula_shared.mailbox import celery_message, queue_name

PUBLISHED_KEY = "aula:catalog:published_revision"
STRUCTURE_TASK = "aula.stats.catalog_structure"
SCOPES_TASK = "aula.moderation.chat_scopes"


def structure(session: Session) -> dict:
    """The snapshot stats expects (see aula_stats.catalog_structure)."""
    departments = {d.id: d for d in session.scalars(select(Department))}
    degrees = {d.id: d for d in session.scalars(select(Degree))}
    chat_degrees: dict[int, set[str]] = defaultdict(set)
    main_groups = session.execute(
        select(TelegramGroup.chat_id, Degree.id).join(Degree, Degree.group_id == TelegramGroup.id)
    )
    course_groups = session.execute(
        select(TelegramGroup.chat_id, CourseDegree.degree_id)
        .join(Course, Course.group_id == TelegramGroup.id)
        .join(CourseDegree, CourseDegree.course_id == Course.id)
    )
    for chat_id, degree_id in [*main_groups, *course_groups]:
        if chat_id is not None:
            chat_degrees[chat_id].add(degrees[degree_id].slug)
    return {
        "published_at": datetime.now(UTC).isoformat(),
        "departments": [{"slug": d.slug, "name": d.name} for d in departments.values()],
        "degrees": [
            {"slug": d.slug, "name": d.name, "department": departments[d.department_id].slug} for d in degrees.values()
        ],
        "groups": [
            {"chat_id": chat_id, "degrees": sorted(slugs), "departments": []}
            for chat_id, slugs in sorted(chat_degrees.items())
        ],
    }


def chat_scopes(snapshot: dict) -> list[dict]:
    """Per chat, its degrees and their departments (moderation's `aula.moderation.chat_scopes`)."""
    department_of = {degree["slug"]: degree["department"] for degree in snapshot["degrees"]}
    return [
        {
            "chat_id": group["chat_id"],
            "degrees": group["degrees"],
            "departments": sorted({department_of[slug] for slug in group["degrees"]}),
        }
        for group in snapshot["groups"]
    ]


def publish_if_changed(session: Session, connection: redis.Redis) -> int | None:
    """Publish the structure if the catalog changed since the last publication; returns the revision published."""
    revision = session.scalar(select(Revision.revision)) or 0
    published = connection.get(PUBLISHED_KEY)
    if published is not None and int(published) == revision:
        return None
    snapshot = structure(session)
    pipe = connection.pipeline(transaction=True)
    pipe.lpush(queue_name("stats"), celery_message(STRUCTURE_TASK, queue_name("stats"), [snapshot], "catalog"))
    for scope in chat_scopes(snapshot):
        pipe.lpush(queue_name("moderation"), celery_message(SCOPES_TASK, queue_name("moderation"), [scope], "catalog"))
    pipe.set(PUBLISHED_KEY, revision)
    pipe.execute()
    return revision
