"""Idempotent upserts of catalog rows, shared by every importer.

Each row is identified by a natural key (slug, name, chat id, invite link…), never by the legacy files' own
ids: those are not unique (Data.json reuses course uuids). Within one run the first record that touches a
row wins; a later record that disagrees is reported as a note instead of flipping the row back and forth,
so that a second run of the same file finds nothing to change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from aula_catalog.importers.report import ImportReport
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
from aula_catalog.text import fold


@dataclass
class GroupRef:
    """How a record names a Telegram group; any part may be missing."""

    chat_id: int | None = None
    username: str | None = None
    invite_link: str | None = None

    def __bool__(self) -> bool:
        return bool(self.chat_id or self.username or self.invite_link)


@dataclass
class CourseEntry:
    name: str
    year: int = 0
    semester: int = 0
    cfu: int = 0
    wiki_link: str | None = None
    links: list[tuple[str, str]] = field(default_factory=list)
    group: GroupRef = field(default_factory=GroupRef)


@dataclass
class LinkEntry:
    name_it: str
    url: str
    name_en: str | None = None
    description_it: str | None = None
    description_en: str | None = None
    icon: str | None = None


class CatalogWriter:
    def __init__(self, session: Session, report: ImportReport) -> None:
        self.session = session
        self.report = report
        # (entity, id(row)) → row. Holding the row keeps its id() from being reused by a later object.
        self._touched: dict[tuple[str, int], Any] = {}
        self._course_rows_seen: set[tuple[int, int]] = set()

    # --- the generic upsert -----------------------------------------------------------------------------

    def _apply(self, entity: str, row: Any, values: dict[str, Any], record: str, *, new: bool = False) -> None:
        """Set `values` on `row` and count the outcome once per row and run."""
        key = (entity, id(row))
        if key in self._touched:
            conflicts = {name: value for name, value in values.items() if getattr(row, name) != value}
            if conflicts:
                kept = ", ".join(f"{name}={_shown(getattr(row, name))}" for name in conflicts)
                self.report.note(record, f"{entity[:-1]} disagrees with an earlier record; kept {kept}")
            return
        self._touched[key] = row
        if new:
            for name, value in values.items():
                setattr(row, name, value)
            self.session.add(row)
            # Flushed at once: later records look the row up by its natural key, and need its id.
            self.session.flush()
            self.report.count(entity, "added")
            return
        changed = False
        for name, value in values.items():
            if getattr(row, name) != value:
                setattr(row, name, value)
                changed = True
        self.report.count(entity, "updated" if changed else "unchanged")

    def _first(self, statement) -> Any:
        return self.session.scalars(statement.limit(1)).first()

    # --- university ---------------------------------------------------------------------------------------

    def department(self, record: str, *, slug: str, name: str, icon: str | None) -> Department:
        row = self._first(select(Department).where(Department.slug == slug)) or self._first(
            select(Department).where(Department.name == name)
        )
        values = {"slug": slug, "name": name, "icon": icon}
        if row is None:
            row = Department()
            self._apply("departments", row, values, record, new=True)
        else:
            self._apply("departments", row, values, record)
        return row

    def degree(
        self, record: str, *, slug: str, name: str, type: str, department: Department, icon: str | None
    ) -> Degree:
        row = self._first(select(Degree).where(Degree.slug == slug)) or self._first(
            select(Degree).where(Degree.name == name, Degree.type == type)
        )
        values = {"slug": slug, "name": name, "type": type, "department": department, "icon": icon}
        if row is None:
            row = Degree()
            self._apply("degrees", row, values, record, new=True)
        else:
            self._apply("degrees", row, values, record)
        return row

    def degree_links(self, record: str, degree: Degree, links: list[LinkEntry]) -> None:
        """Make the degree's links exactly `links`, in order (the file describes the whole list)."""
        existing = {link.name_it: link for link in degree.links} if degree.id else {}
        wanted = set()
        for position, entry in enumerate(links):
            if entry.name_it in wanted:
                self.report.skip(f"{record}.links[{position}]", "duplicate link name")
                continue
            wanted.add(entry.name_it)
            values = {
                "name_it": entry.name_it,
                "name_en": entry.name_en,
                "description_it": entry.description_it,
                "description_en": entry.description_en,
                "url": entry.url,
                "icon": entry.icon,
                "position": position,
            }
            row = existing.get(entry.name_it)
            if row is None:
                row = DegreeLink(degree=degree)
                self._apply("degree links", row, values, f"{record}.links[{position}]", new=True)
            else:
                self._apply("degree links", row, values, f"{record}.links[{position}]")
        for name, row in existing.items():
            if name not in wanted:
                self.session.delete(row)
                self.report.count("degree links", "removed")

    def main_group(self, record: str, degree: Degree, group: TelegramGroup) -> None:
        if degree.group is group:
            self.report.count("main groups", "unchanged")
            return
        self.report.count("main groups", "updated" if degree.group is not None else "added")
        degree.group = group

    def group(self, record: str, ref: GroupRef, *, title: str | None = None) -> TelegramGroup | None:
        """The catalog's group a record names, created when new. Facts observed on Telegram beat the file."""
        if not ref:
            return None
        row = None
        if ref.chat_id is not None:
            row = self._first(select(TelegramGroup).where(TelegramGroup.chat_id == ref.chat_id))
        same_chat = TelegramGroup.chat_id.is_(None)
        if ref.chat_id is not None:
            same_chat = same_chat | (TelegramGroup.chat_id == ref.chat_id)
        if row is None and ref.username:
            row = self._first(
                select(TelegramGroup)
                .where(TelegramGroup.username == ref.username, same_chat)
                .order_by(TelegramGroup.id)
            )
        if row is None and ref.invite_link:
            row = self._first(
                select(TelegramGroup)
                .where(TelegramGroup.invite_link == ref.invite_link, same_chat)
                .order_by(TelegramGroup.id)
            )
        values: dict[str, Any] = {}
        if ref.chat_id is not None:
            values["chat_id"] = ref.chat_id
        if ref.username:
            values["username"] = ref.username
        live = row is not None and row.facts_observed_at is not None
        if ref.invite_link and not live:
            values["invite_link"] = ref.invite_link
        if row is None:
            row = TelegramGroup(title=title)
            self._apply("telegram groups", row, values, record, new=True)
        else:
            if row.title is None and title:
                values["title"] = title
            self._apply("telegram groups", row, values, record)
        return row

    def course_in_degree(self, record: str, degree: Degree, entry: CourseEntry) -> Course | None:
        group = self.group(record, entry.group, title=entry.name)
        folded = fold(entry.name)
        course = None
        if group is not None:
            course = self._first(select(Course).where(Course.group_id == group.id, Course.search_name == folded))
        if course is None and degree.id is not None:
            course = self._first(
                select(Course)
                .join(CourseDegree, CourseDegree.course_id == Course.id)
                .where(CourseDegree.degree_id == degree.id, Course.search_name == folded)
            )
        values = {"name": entry.name, "cfu": entry.cfu, "wiki_link": entry.wiki_link, "group": group}
        if course is None:
            course = Course()
            self._apply("courses", course, values, record, new=True)
        else:
            self._apply("courses", course, values, record)
        if (degree.id, course.id) in self._course_rows_seen:
            self.report.skip(record, "the same course twice in one degree")
            return course
        self._course_rows_seen.add((degree.id, course.id))
        row = self._first(
            select(CourseDegree).where(CourseDegree.degree_id == degree.id, CourseDegree.course_id == course.id)
        )
        values = {"year": entry.year, "semester": entry.semester}
        if row is None:
            self._apply("course degrees", CourseDegree(degree=degree, course=course), values, record, new=True)
        else:
            self._apply("course degrees", row, values, record)
        self._course_links(record, course, entry.links)
        return course

    def _course_links(self, record: str, course: Course, links: list[tuple[str, str]]) -> None:
        if ("course links", id(course)) in self._touched:
            return  # the first record naming the course set its links
        self._touched[("course links", id(course))] = course
        existing = list(course.links)
        for position, (name, url) in enumerate(links):
            values = {"name": name, "url": url, "position": position}
            if position < len(existing):
                row = existing[position]
                changed = any(getattr(row, key) != value for key, value in values.items())
                for key, value in values.items():
                    setattr(row, key, value)
                self.report.count("course links", "updated" if changed else "unchanged")
            else:
                course.links.append(CourseLink(**values))
                self.report.count("course links", "added")
        for row in existing[len(links) :]:
            course.links.remove(row)
            self.report.count("course links", "removed")

    # --- people -------------------------------------------------------------------------------------------

    def user(
        self,
        record: str,
        *,
        user_id: int,
        first_name: str,
        last_name: str | None,
        username: str | None,
        names_known: bool = True,
    ) -> TelegramUser:
        """A Telegram user. When the record only has a username (`names_known=False`), known names are kept."""
        row = self.session.get(TelegramUser, user_id)
        if row is None:
            row = TelegramUser(id=user_id)
            values = {"first_name": first_name, "last_name": last_name, "username": username}
            self._apply("telegram users", row, values, record, new=True)
            return row
        values = (
            {"username": username}
            if not names_known
            else {
                "first_name": first_name,
                "last_name": last_name,
                "username": username,
            }
        )
        if not names_known and ("telegram users", id(row)) in self._touched:
            return row  # a record with real names came first
        self._apply("telegram users", row, values, record)
        return row

    def representative(self, record: str, department: Department, user: TelegramUser, degree_name: str) -> None:
        row = None
        if department.id is not None:
            row = self._first(
                select(Representative).where(
                    Representative.department_id == department.id, Representative.user_id == user.id
                )
            )
        values = {"degree_name": degree_name}
        if row is None:
            row = Representative(department=department, user=user)
            self._apply("representatives", row, values, record, new=True)
        else:
            self._apply("representatives", row, values, record)

    def group_admin(self, record: str, user: TelegramUser, degree: Degree) -> None:
        row = self._first(select(GroupAdmin).where(GroupAdmin.user_id == user.id))
        if row is None:
            row = GroupAdmin(user=user, all_degrees=False, degrees=[degree])
            self.session.add(row)
            self._touched[("group admins", id(row))] = row
            self.report.count("group admins", "added")
            return
        first_touch = ("group admins", id(row)) not in self._touched
        self._touched[("group admins", id(row))] = row
        if degree in row.degrees:
            if first_touch:
                self.report.count("group admins", "unchanged")
            return
        row.degrees.append(degree)
        if first_touch:
            self.report.count("group admins", "updated")

    # --- website ------------------------------------------------------------------------------------------

    def featured_group(
        self, record: str, *, category: str, values: dict[str, Any], link: str | None, order: int
    ) -> FeaturedGroup:
        """A featured group; a t.me link names its Telegram group, any other link is its external URL."""
        row = self._first(
            select(FeaturedGroup).where(FeaturedGroup.category == category, FeaturedGroup.name_it == values["name_it"])
        )
        group = None
        external_url = None
        if link and is_telegram_link(link):
            group = self.group(record, GroupRef(invite_link=link), title=values["name_it"])
        else:
            external_url = link
        values = {**values, "category": category, "group": group, "external_url": external_url, "order": order}
        if row is None:
            row = FeaturedGroup()
            self._apply("featured groups", row, values, record, new=True)
        else:
            self._apply("featured groups", row, values, record)
        return row


def _shown(value: Any) -> str:
    return repr(value) if value is None or isinstance(value, str | int) else repr(str(value))


def is_telegram_link(url: str) -> bool:
    return url.split("://", 1)[-1].lower().startswith(("t.me/", "telegram.me/", "www.t.me/"))
