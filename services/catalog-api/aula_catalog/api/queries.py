"""The API's reads: a fixed, small number of SQL statements per answer, whatever the size of the data.

Each function takes a Connection and returns plain dicts/lists in the exact shapes of the original API
(research §2.2 and §5.3). `None` means "not found". Sorting that must not depend on the database's
collation (course order, search order) is done here in Python.
"""

from __future__ import annotations

import random
from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, and_, bindparam, exists, func, or_, select

from aula_catalog.models import (
    Course,
    CourseDegree,
    CourseLink,
    Degree,
    DegreeLink,
    Department,
    FeaturedCategory,
    FeaturedGroup,
    GroupAdmin,
    Professor,
    Representative,
    TelegramGroup,
    TelegramUser,
    group_admin_degrees,
)
from aula_catalog.text import fold, normalise_slug

TYPING_DEGREES = 30
SEARCH_COURSES_LIMIT = 100

departments_t = Department.__table__
degrees_t = Degree.__table__
courses_t = Course.__table__
course_degrees_t = CourseDegree.__table__
links_t = CourseLink.__table__
degree_links_t = DegreeLink.__table__
groups_t = TelegramGroup.__table__
professors_t = Professor.__table__
users_t = TelegramUser.__table__
representatives_t = Representative.__table__
admins_t = GroupAdmin.__table__
featured_t = FeaturedGroup.__table__

# --- column sets and their dict builders -------------------------------------------------------------------------

_degree_group = groups_t.alias("degree_group")
_course_group = groups_t.alias("course_group")

# Correlated to the department only: a query may also select from the degrees table itself.
_degree_count = (
    select(func.count())
    .select_from(degrees_t)
    .where(degrees_t.c.department_id == departments_t.c.id)
    .correlate(departments_t)
    .scalar_subquery()
)
_representative_count = (
    select(func.count())
    .select_from(representatives_t)
    .where(representatives_t.c.department_id == departments_t.c.id)
    .correlate(departments_t)
    .scalar_subquery()
)

DEPARTMENT_COLUMNS = (
    departments_t.c.id.label("dep_pk"),
    departments_t.c.name.label("dep_name"),
    departments_t.c.slug.label("dep_slug"),
    departments_t.c.icon.label("dep_icon"),
    _degree_count.label("dep_degree_count"),
    _representative_count.label("dep_representative_count"),
)

DEGREE_COLUMNS = (
    degrees_t.c.id.label("deg_pk"),
    degrees_t.c.name.label("deg_name"),
    degrees_t.c.type.label("deg_type"),
    degrees_t.c.slug.label("deg_slug"),
    degrees_t.c.icon.label("deg_icon"),
    _degree_group.c.id.label("deg_group_pk"),
    _degree_group.c.chat_id.label("deg_group_id"),
    _degree_group.c.title.label("deg_group_title"),
    _degree_group.c.photo.label("deg_group_photo"),
    _degree_group.c.invite_link.label("deg_group_invite_link"),
)
_DEGREE_FROM = degrees_t.outerjoin(_degree_group, _degree_group.c.id == degrees_t.c.group_id)

COURSE_COLUMNS = (
    courses_t.c.id.label("course_pk"),
    courses_t.c.name.label("course_name"),
    courses_t.c.search_name.label("course_sort"),
    courses_t.c.cfu.label("course_cfu"),
    courses_t.c.wiki_link.label("course_wiki_link"),
    _course_group.c.id.label("course_group_pk"),
    _course_group.c.chat_id.label("course_group_id"),
    _course_group.c.title.label("course_group_title"),
    _course_group.c.photo.label("course_group_photo"),
    _course_group.c.invite_link.label("course_group_invite_link"),
    professors_t.c.id.label("prof_pk"),
    professors_t.c.first_name.label("prof_first_name"),
    professors_t.c.last_name.label("prof_last_name"),
    professors_t.c.url.label("prof_url"),
)
USER_COLUMNS = (users_t.c.id, users_t.c.first_name, users_t.c.last_name, users_t.c.username)


def _with_course_details(from_clause):
    return from_clause.outerjoin(_course_group, _course_group.c.id == courses_t.c.group_id).outerjoin(
        professors_t, professors_t.c.id == courses_t.c.professor_id
    )


def _group(row: Any, prefix: str) -> dict | None:
    if getattr(row, f"{prefix}_pk") is None:
        return None
    return {
        "id": getattr(row, f"{prefix}_id"),
        "title": getattr(row, f"{prefix}_title"),
        "profile_picture": getattr(row, f"{prefix}_photo"),
        "invite_link": getattr(row, f"{prefix}_invite_link"),
    }


def _department(row: Any) -> dict:
    return {
        "pk": row.dep_pk,
        "name": row.dep_name,
        "slug": row.dep_slug,
        "icon": row.dep_icon,
        "degree_count": row.dep_degree_count,
        "representative_count": row.dep_representative_count,
    }


def _degree(row: Any) -> dict:
    return {
        "pk": row.deg_pk,
        "name": row.deg_name,
        "type": row.deg_type,
        "group": _group(row, "deg_group"),
        "slug": row.deg_slug,
        "icon": row.deg_icon,
    }


def _course(row: Any, links: dict[int, list[dict]]) -> dict:
    professor = None
    if row.prof_pk is not None:
        professor = {"first_name": row.prof_first_name, "last_name": row.prof_last_name, "url": row.prof_url}
    return {
        "pk": row.course_pk,
        "name": row.course_name,
        "cfu": row.course_cfu,
        "wiki_link": row.course_wiki_link,
        "links": links.get(row.course_pk, []),
        "group": _group(row, "course_group"),
        "professor": professor,
    }


def _user(row: Any) -> dict:
    return {"id": row.id, "first_name": row.first_name, "last_name": row.last_name, "username": row.username}


def _links_by_course(connection: Connection, course_ids) -> dict[int, list[dict]]:
    """One query for the links of the courses `course_ids` names (a subquery, or at most a page of ids)."""
    rows = connection.execute(
        select(links_t.c.course_id, links_t.c.name, links_t.c.url)
        .where(links_t.c.course_id.in_(course_ids))
        .order_by(links_t.c.course_id, links_t.c.position, links_t.c.id)
    )
    links: dict[int, list[dict]] = defaultdict(list)
    for course_id, name, url in rows:
        links[course_id].append({"name": name, "url": url})
    return links


def course_order_key(year: int, semester: int) -> int:
    """The original's order: year 0 first, then 1, 2, 3…, then -2 (complementary), then -1 (cohort groups)."""
    return (year if year >= 0 else year + 10) * 2 + semester


def contains(column, text: str):
    """Case- and accent-insensitive "contains", the same on SQLite and PostgreSQL (see text.fold)."""
    return column.contains(fold(text), autoescape=True)


# --- endpoints -------------------------------------------------------------------------------------------------


def departments(connection: Connection) -> list[dict]:
    rows = connection.execute(select(*DEPARTMENT_COLUMNS).order_by(departments_t.c.name))
    return [_department(row) for row in rows]


def _department_exists(connection: Connection, department_id: int) -> bool:
    return connection.execute(select(exists().where(departments_t.c.id == department_id))).scalar()


def degrees_of_department(connection: Connection, department_id: int) -> list[dict] | None:
    """Ordered by number of courses (most first), then name."""
    course_count = (
        select(func.count())
        .select_from(course_degrees_t)
        .where(course_degrees_t.c.degree_id == degrees_t.c.id)
        .scalar_subquery()
    )
    rows = connection.execute(
        select(*DEGREE_COLUMNS)
        .select_from(_DEGREE_FROM)
        .where(degrees_t.c.department_id == department_id)
        .order_by(course_count.desc(), degrees_t.c.name, degrees_t.c.type)
    ).all()
    if not rows and not _department_exists(connection, department_id):
        return None
    return [_degree(row) for row in rows]


def _degree_filter(pk: int | None, slug: str | None):
    """`pk` wins over `slug`, as in the original; old underscore slugs find their hyphenated degree."""
    if pk is not None:
        return degrees_t.c.id == pk
    return degrees_t.c.slug == normalise_slug(slug or "")


def verbose_degree(connection: Connection, pk: int | None, slug: str | None) -> dict | None:
    row = connection.execute(
        select(*DEGREE_COLUMNS, *DEPARTMENT_COLUMNS)
        .select_from(_DEGREE_FROM.join(departments_t, departments_t.c.id == degrees_t.c.department_id))
        .where(_degree_filter(pk, slug))
    ).first()
    if row is None:
        return None
    return {
        "pk": row.deg_pk,
        "name": row.deg_name,
        "type": row.deg_type,
        "department": _department(row),
        "group": _group(row, "deg_group"),
        "slug": row.deg_slug,
    }


def search_degrees(connection: Connection, q: str) -> list[dict]:
    """Degrees whose name contains `q`, shortest name first, then name, then type. Empty `q` finds nothing."""
    if not fold(q):
        return []
    rows = connection.execute(
        select(*DEGREE_COLUMNS).select_from(_DEGREE_FROM).where(contains(degrees_t.c.search_name, q))
    ).all()
    rows.sort(key=lambda row: (len(row.deg_name), row.deg_name, row.deg_type))
    return [_degree(row) for row in rows]


# Built once: a degree's rows, LEFT JOINed from the degree so that an empty degree is told from a missing one.
_COURSES_OF_DEGREE = (
    select(course_degrees_t.c.year, course_degrees_t.c.semester, *COURSE_COLUMNS)
    .select_from(
        _with_course_details(
            degrees_t.outerjoin(course_degrees_t, course_degrees_t.c.degree_id == degrees_t.c.id).outerjoin(
                courses_t, courses_t.c.id == course_degrees_t.c.course_id
            )
        )
    )
    .where(degrees_t.c.id == bindparam("degree_id"))
)
_LINKS_OF_DEGREE = (
    select(links_t.c.course_id, links_t.c.name, links_t.c.url)
    .join(course_degrees_t, course_degrees_t.c.course_id == links_t.c.course_id)
    .where(course_degrees_t.c.degree_id == bindparam("degree_id"))
    .order_by(links_t.c.course_id, links_t.c.position, links_t.c.id)
)


def courses_of_degree(connection: Connection, degree_id: int) -> list[dict] | None:
    """Two queries, whatever the number of courses: the degree's rows and their links."""
    rows = connection.execute(_COURSES_OF_DEGREE, {"degree_id": degree_id}).all()
    if not rows:
        return None
    rows = [row for row in rows if row.course_pk is not None]
    links: dict[int, list[dict]] = defaultdict(list)
    if rows:
        for course_id, name, url in connection.execute(_LINKS_OF_DEGREE, {"degree_id": degree_id}):
            links[course_id].append({"name": name, "url": url})
    rows.sort(key=lambda row: (course_order_key(row.year, row.semester), row.course_sort, row.course_name))
    return [{"course": _course(row, links), "year": row.year, "semester": row.semester} for row in rows]


def representatives(connection: Connection, department_id: int) -> list[dict] | None:
    rows = connection.execute(
        select(representatives_t.c.degree_name, *USER_COLUMNS)
        .select_from(representatives_t.join(users_t, users_t.c.id == representatives_t.c.user_id))
        .where(representatives_t.c.department_id == department_id)
        .order_by(representatives_t.c.id)
    ).all()
    if not rows and not _department_exists(connection, department_id):
        return None
    answer = []
    for row in rows:
        user = _user(row)
        answer.append({"user": user, "tguser": user, "degree_name": row.degree_name})
    return answer


def typing_degrees(connection: Connection) -> list[str]:
    """Up to 30 distinct lower-cased degree names in random order (the home page's typing animation)."""
    names = sorted({name.lower() for name in connection.execute(select(degrees_t.c.name)).scalars()})
    return random.sample(names, min(TYPING_DEGREES, len(names)))


def admins(connection: Connection, pk: int | None, slug: str | None) -> list[dict] | None:
    """The degree's group admins plus those listed for every degree, each once."""
    degree_id = connection.execute(select(degrees_t.c.id).where(_degree_filter(pk, slug))).scalar()
    if degree_id is None:
        return None
    for_this_degree = exists().where(
        and_(group_admin_degrees.c.group_admin_id == admins_t.c.id, group_admin_degrees.c.degree_id == degree_id)
    )
    rows = connection.execute(
        select(*USER_COLUMNS)
        .select_from(admins_t.join(users_t, users_t.c.id == admins_t.c.user_id))
        .where(or_(admins_t.c.all_degrees.is_(True), for_this_degree))
        .order_by(admins_t.c.id)
    )
    return [_user(row) for row in rows]


def featured_groups(connection: Connection) -> dict[str, list[dict]]:
    rows = connection.execute(
        select(featured_t, groups_t.c.chat_id, groups_t.c.invite_link, groups_t.c.member_count)
        .select_from(featured_t.outerjoin(groups_t, groups_t.c.id == featured_t.c.group_id))
        .order_by(featured_t.c.order.desc(), featured_t.c.id)
    )
    answer: dict[str, list[dict]] = {category.api_key: [] for category in FeaturedCategory}
    for row in rows:
        category = FeaturedCategory(row.category)
        answer[category.api_key].append(
            {
                "id": row.chat_id,
                "name": {"en": row.name_en, "it": row.name_it},
                "description": {"en": row.description_en, "it": row.description_it},
                "invite_link": row.invite_link,
                "user_count": row.member_count,
                "image_url": row.image_url,
                "external_url": row.external_url,
                "button_name": {"en": row.button_name_en, "it": row.button_name_it},
                "category": category.value,
            }
        )
    return answer


def search(connection: Connection, q: str) -> dict[str, list[dict]]:
    """Degrees as in search_degrees, and course-degree pairs whose course name contains `q` (each with its
    `degree_name`), shortest course name first; at most SEARCH_COURSES_LIMIT pairs."""
    if not fold(q):
        return {"degrees": [], "courses": []}
    matching = contains(courses_t.c.search_name, q)
    source = _with_course_details(
        course_degrees_t.join(courses_t, courses_t.c.id == course_degrees_t.c.course_id).join(
            degrees_t, degrees_t.c.id == course_degrees_t.c.degree_id
        )
    )
    rows = connection.execute(
        select(
            course_degrees_t.c.year,
            course_degrees_t.c.semester,
            degrees_t.c.name.label("degree_name"),
            *COURSE_COLUMNS,
        )
        .select_from(source)
        .where(matching)
        .order_by(func.length(courses_t.c.name), courses_t.c.search_name, degrees_t.c.name, course_degrees_t.c.id)
        .limit(SEARCH_COURSES_LIMIT)
    ).all()
    # The matched courses' links by id: repeating the LIKE over every course would cost as much again.
    links = _links_by_course(connection, sorted({row.course_pk for row in rows})) if rows else {}
    rows.sort(key=lambda row: (len(row.course_name), row.course_sort, row.degree_name))
    return {
        "degrees": search_degrees(connection, q),
        "courses": [
            {"course": _course(row, links), "year": row.year, "semester": row.semester, "degree_name": row.degree_name}
            for row in rows
        ],
    }


def slug_degrees(connection: Connection) -> list[str]:
    return list(connection.execute(select(degrees_t.c.slug).order_by(degrees_t.c.slug)).scalars())


# --- additions: what the website would want next ---------------------------------------------------------------


def verbose_department(connection: Connection, pk: int | None, slug: str | None) -> dict | None:
    """A department with its degrees (ordered by name) and representatives: the original's unrouted view."""
    condition = departments_t.c.id == pk if pk is not None else departments_t.c.slug == normalise_slug(slug or "")
    row = connection.execute(select(*DEPARTMENT_COLUMNS).where(condition)).first()
    if row is None:
        return None
    answer = _department(row)
    degree_rows = connection.execute(
        select(*DEGREE_COLUMNS)
        .select_from(_DEGREE_FROM)
        .where(degrees_t.c.department_id == row.dep_pk)
        .order_by(degrees_t.c.name, degrees_t.c.type)
    )
    answer["degrees"] = [_degree(degree) for degree in degree_rows]
    answer["representatives"] = representatives(connection, row.dep_pk) or []
    return answer


def verbose_course(connection: Connection, pk: int) -> dict | None:
    source = _with_course_details(courses_t)
    row = connection.execute(select(*COURSE_COLUMNS).select_from(source).where(courses_t.c.id == pk)).first()
    if row is None:
        return None
    links = _links_by_course(connection, [pk])
    answer = _course(row, links)
    degree_rows = connection.execute(
        select(course_degrees_t.c.year, course_degrees_t.c.semester, *DEGREE_COLUMNS)
        .select_from(_DEGREE_FROM.join(course_degrees_t, course_degrees_t.c.degree_id == degrees_t.c.id))
        .where(course_degrees_t.c.course_id == pk)
        .order_by(degrees_t.c.name, degrees_t.c.type)
    )
    answer["degrees"] = [
        {"degree": _degree(degree), "year": degree.year, "semester": degree.semester} for degree in degree_rows
    ]
    return answer


def degree_links(connection: Connection, pk: int | None, slug: str | None) -> list[dict] | None:
    rows = connection.execute(
        select(
            degrees_t.c.id.label("degree_pk"),
            degree_links_t.c.name_it,
            degree_links_t.c.name_en,
            degree_links_t.c.description_it,
            degree_links_t.c.description_en,
            degree_links_t.c.url,
            degree_links_t.c.icon,
        )
        .select_from(degrees_t.outerjoin(degree_links_t, degree_links_t.c.degree_id == degrees_t.c.id))
        .where(_degree_filter(pk, slug))
        .order_by(degree_links_t.c.position, degree_links_t.c.id)
    ).all()
    if not rows:
        return None
    return [
        {
            "name": {"it": row.name_it, "en": row.name_en},
            "description": {"it": row.description_it, "en": row.description_en},
            "link": row.url,
            "icon": row.icon,
        }
        for row in rows
        if row.url is not None
    ]
