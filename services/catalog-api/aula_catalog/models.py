"""The catalog's schema: the university (departments, degrees, courses) and the Telegram groups the website lists.

Tables are prefixed `catalog_` because the embedded default keeps every service in one SQLite file.
Every change to a catalog row bumps `catalog_revision`, which the API uses for ETags (see api/caching.py).
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    UniqueConstraint,
    event,
    inspect,
    update,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, object_session, relationship

from aula_shared.i18n import N_

# Every area of the staff admin (aula_shared.staff.AREAS, which needs Flask-Admin to import).
ALL_AREAS = "catalog,moderation,onboarding,statistics,staff"

# Constraint names are explicit so that migrations can refer to them on both SQLite and PostgreSQL.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = metadata


class DegreeType(enum.StrEnum):
    BACHELOR = "B"  # "Triennale"
    MASTER = "M"  # "Magistrale"
    SINGLE_CYCLE = "C"  # "Laurea a ciclo unico"

    @property
    def label(self) -> str:
        return {"B": "Triennale", "M": "Magistrale", "C": "Laurea a ciclo unico"}[self.value]


class FeaturedCategory(enum.StrEnum):
    UNIVERSITY = "u"
    ANNOUNCEMENTS = "a"
    STUDENT_ASSOCIATIONS = "s"

    @property
    def api_key(self) -> str:
        return {"u": "university_groups", "a": "announcement_groups", "s": "student_associations"}[self.value]

    @property
    def label(self) -> str:
        # English source text, translated where it is shown (the staff admin)
        return {"u": N_("University group"), "a": N_("Announcement group"), "s": N_("Student association group")}[
            self.value
        ]


# Years in CourseDegree follow the original's conventions.
YEAR_UNASSIGNED = 0
YEAR_COHORT_GROUP = -1  # a cohort's general group ("A. A. 2018/2019"); the legacy site's main-group row
YEAR_COMPLEMENTARY = -2  # elective ("Complementare")
# Semester 3 is the legacy data's "both semesters" ("1° e 2", "1°,2").
SEMESTER_BOTH = 3


class TelegramGroup(Base):
    """The catalog's record of one Telegram group: what the website needs to show and join it.

    `chat_id` is unknown for groups known only by an invite link (much of the legacy data); the facts the
    workers observe (title, invite link, members, photo) arrive as events, see facts.py.
    """

    __tablename__ = "catalog_telegram_groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    title: Mapped[str | None] = mapped_column(String(512))
    invite_link: Mapped[str | None] = mapped_column(String(256), index=True)
    # A public group's @username, when the legacy data named the chat that way instead of by id.
    username: Mapped[str | None] = mapped_column(String(64))
    photo: Mapped[str | None] = mapped_column(String(512))
    member_count: Mapped[int | None] = mapped_column(Integer)
    # When the facts now stored were observed on Telegram; older observations are ignored.
    facts_observed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    def __str__(self) -> str:
        label = self.title or self.invite_link or "untitled group"
        return f"{label} ({self.chat_id})" if self.chat_id else label


class TelegramUser(Base):
    """A Telegram user the website shows: a representative or a group admin. Personal data (see user_data.py)."""

    __tablename__ = "catalog_telegram_users"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    first_name: Mapped[str] = mapped_column(String(256))
    last_name: Mapped[str | None] = mapped_column(String(256))
    username: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    def __str__(self) -> str:
        name = " ".join(part for part in (self.first_name, self.last_name) if part)
        return f"{name} (@{self.username})" if self.username else name


class Department(Base):
    __tablename__ = "catalog_departments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    # An icon name the website maps to a picture (legacy values are Fluent UI names such as "TVMonitor").
    icon: Mapped[str | None] = mapped_column(String(64))

    degrees: Mapped[list[Degree]] = relationship(back_populates="department", cascade="all, delete-orphan")
    representatives: Mapped[list[Representative]] = relationship(
        back_populates="department", cascade="all, delete-orphan"
    )

    def __str__(self) -> str:
        return self.name


class Degree(Base):
    """A degree programme ("corso di laurea")."""

    __tablename__ = "catalog_degrees"
    __table_args__ = (
        UniqueConstraint("name", "type", name="uq_catalog_degrees_name_type"),
        CheckConstraint("type IN ('B', 'M', 'C')", name="type"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    type: Mapped[str] = mapped_column(String(1))
    department_id: Mapped[int] = mapped_column(ForeignKey("catalog_departments.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    # The degree's main Telegram group.
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("catalog_telegram_groups.id", ondelete="SET NULL"), index=True
    )
    icon: Mapped[str | None] = mapped_column(String(64))
    search_name: Mapped[str] = mapped_column(String(128), default="")

    department: Mapped[Department] = relationship(back_populates="degrees")
    group: Mapped[TelegramGroup | None] = relationship()
    course_rows: Mapped[list[CourseDegree]] = relationship(back_populates="degree", cascade="all, delete-orphan")
    links: Mapped[list[DegreeLink]] = relationship(
        back_populates="degree", cascade="all, delete-orphan", order_by="DegreeLink.position"
    )

    def __str__(self) -> str:
        try:
            return f"{self.name} [{DegreeType(self.type).label}]"
        except ValueError:
            return self.name


class Professor(Base):
    __tablename__ = "catalog_professors"
    __table_args__ = (UniqueConstraint("first_name", "last_name", name="uq_catalog_professors_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    first_name: Mapped[str] = mapped_column(String(64))
    last_name: Mapped[str] = mapped_column(String(64))
    url: Mapped[str | None] = mapped_column(String(256))

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Course(Base):
    """A teaching course ("insegnamento"). One course, and its group, may belong to several degrees."""

    __tablename__ = "catalog_courses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    cfu: Mapped[int] = mapped_column(SmallInteger, default=0)  # credits; 0 = unknown
    # The unimi.it course slug, from the scraper.
    slug_unimi: Mapped[str | None] = mapped_column(String(200), unique=True)
    wiki_link: Mapped[str | None] = mapped_column(String(256))
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("catalog_telegram_groups.id", ondelete="SET NULL"), index=True
    )
    professor_id: Mapped[int | None] = mapped_column(
        ForeignKey("catalog_professors.id", ondelete="SET NULL"), index=True
    )
    search_name: Mapped[str] = mapped_column(String(200), default="")

    group: Mapped[TelegramGroup | None] = relationship()
    professor: Mapped[Professor | None] = relationship()
    degree_rows: Mapped[list[CourseDegree]] = relationship(back_populates="course", cascade="all, delete-orphan")
    links: Mapped[list[CourseLink]] = relationship(
        back_populates="course", cascade="all, delete-orphan", order_by="CourseLink.position"
    )

    def __str__(self) -> str:
        return self.name


class CourseDegree(Base):
    """A course within one degree, with the year and semester it has there."""

    __tablename__ = "catalog_course_degrees"
    __table_args__ = (UniqueConstraint("degree_id", "course_id", name="uq_catalog_course_degrees_degree_course"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    degree_id: Mapped[int] = mapped_column(ForeignKey("catalog_degrees.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(ForeignKey("catalog_courses.id", ondelete="CASCADE"), index=True)
    # 1..N year of study; 0 not assigned; -1 cohort group; -2 complementary (see the YEAR_* constants).
    year: Mapped[int] = mapped_column(SmallInteger, default=YEAR_UNASSIGNED)
    # 0 not assigned, 1, 2; 3 both.
    semester: Mapped[int] = mapped_column(SmallInteger, default=0)

    degree: Mapped[Degree] = relationship(back_populates="course_rows")
    course: Mapped[Course] = relationship(back_populates="degree_rows")

    def __str__(self) -> str:
        return f"{self.course} in {self.degree} (year {self.year}, semester {self.semester})"


class CourseLink(Base):
    """An extra link of a course ("Ariel", "Avvisi", "Materiale")."""

    __tablename__ = "catalog_course_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("catalog_courses.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    url: Mapped[str] = mapped_column(String(512))
    position: Mapped[int] = mapped_column(SmallInteger, default=0)

    course: Mapped[Course] = relationship(back_populates="links")

    def __str__(self) -> str:
        return self.name


class DegreeLink(Base):
    """A degree's external link (department site, study plan…): the website's `DegreeInformations.json`."""

    __tablename__ = "catalog_degree_links"
    __table_args__ = (UniqueConstraint("degree_id", "name_it", name="uq_catalog_degree_links_degree_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    degree_id: Mapped[int] = mapped_column(ForeignKey("catalog_degrees.id", ondelete="CASCADE"))
    name_it: Mapped[str] = mapped_column(String(128))
    name_en: Mapped[str | None] = mapped_column(String(128))
    description_it: Mapped[str | None] = mapped_column(String(512))
    description_en: Mapped[str | None] = mapped_column(String(512))
    url: Mapped[str] = mapped_column(String(512))
    icon: Mapped[str | None] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(SmallInteger, default=0)

    degree: Mapped[Degree] = relationship(back_populates="links")

    def __str__(self) -> str:
        return self.name_it


class Representative(Base):
    """A student representative listed on the website (contacts per department)."""

    __tablename__ = "catalog_representatives"
    __table_args__ = (UniqueConstraint("department_id", "user_id", name="uq_catalog_representatives_department_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("catalog_departments.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("catalog_telegram_users.id", ondelete="CASCADE"), index=True)
    # Free text: the degree the representative studies.
    degree_name: Mapped[str] = mapped_column(String(128), default="")

    department: Mapped[Department] = relationship(back_populates="representatives")
    user: Mapped[TelegramUser] = relationship()

    def __str__(self) -> str:
        return f"{self.user} — {self.department}"


group_admin_degrees = Table(
    "catalog_group_admin_degrees",
    metadata,
    Column("group_admin_id", ForeignKey("catalog_group_admins.id", ondelete="CASCADE"), primary_key=True),
    Column("degree_id", ForeignKey("catalog_degrees.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class GroupAdmin(Base):
    """A Telegram user the website lists as an admin of a degree's groups (`/api/admins`).

    The original derived this from moderation roles; the catalog keeps its own list (imported from the
    legacy `admins`, edited by staff) so that it never reads another service's tables.
    """

    __tablename__ = "catalog_group_admins"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("catalog_telegram_users.id", ondelete="CASCADE"), unique=True)
    # Listed for every degree, like the original's `all_groups` roles.
    all_degrees: Mapped[bool] = mapped_column(Boolean, default=False)

    user: Mapped[TelegramUser] = relationship()
    degrees: Mapped[list[Degree]] = relationship(secondary=group_admin_degrees)

    def __str__(self) -> str:
        return str(self.user)


class FeaturedGroup(Base):
    """A group shown on the website's home and groups pages, with or without a Telegram group."""

    __tablename__ = "catalog_featured_groups"
    __table_args__ = (
        UniqueConstraint("category", "name_it", name="uq_catalog_featured_groups_category_name"),
        CheckConstraint("category IN ('u', 'a', 's')", name="category"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("catalog_telegram_groups.id", ondelete="SET NULL"), index=True
    )
    category: Mapped[str] = mapped_column(String(2))
    name_it: Mapped[str] = mapped_column(String(150))
    name_en: Mapped[str | None] = mapped_column(String(150))
    description_it: Mapped[str | None] = mapped_column(String(512))
    description_en: Mapped[str | None] = mapped_column(String(512))
    image_url: Mapped[str | None] = mapped_column(String(512))
    external_url: Mapped[str | None] = mapped_column(String(512))
    button_name_it: Mapped[str | None] = mapped_column(String(32))
    button_name_en: Mapped[str | None] = mapped_column(String(32))
    # Shown in descending order.
    order: Mapped[int] = mapped_column(Integer, default=100)

    group: Mapped[TelegramGroup | None] = relationship()

    def __str__(self) -> str:
        return self.name_it


class Revision(Base):
    """One row: a counter bumped by every change to the catalog. ETags are derived from it."""

    __tablename__ = "catalog_revision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    revision: Mapped[int] = mapped_column(BigInteger, default=1)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class StaffUser(Base):
    """A login of the staff admin (`aula staff create-user`)."""

    __tablename__ = "catalog_staff_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The staff admin's language for this login ("it" or "en"), chosen in the admin's menu.
    language: Mapped[str] = mapped_column(String(2), default="it", server_default="it")
    # The parts of the admin this login may open, comma-separated (aula_shared.staff.AREAS; all by default).
    areas: Mapped[str] = mapped_column(String(200), default=ALL_AREAS, server_default=ALL_AREAS)

    def __str__(self) -> str:
        return self.username


class StaffAudit(Base):
    """One change made through the staff admin: who, when, on which page, the row before and after."""

    __tablename__ = "catalog_staff_audit"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    # No foreign key: the history outlives a login.
    staff_user_id: Mapped[int | None] = mapped_column(Integer)
    staff_username: Mapped[str] = mapped_column(String(64))
    area: Mapped[str | None] = mapped_column(String(16))
    view: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(16))
    model: Mapped[str | None] = mapped_column(String(64))
    object_id: Mapped[str | None] = mapped_column(String(128))
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    status: Mapped[int | None] = mapped_column(SmallInteger)
    people: Mapped[list[StaffAuditPerson]] = relationship(
        back_populates="entry", cascade="all, delete-orphan", lazy="selectin"
    )


class StaffAuditPerson(Base):
    """A Telegram user an audit entry names (for `aula users export|erase`)."""

    __tablename__ = "catalog_staff_audit_people"

    audit_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"),
        ForeignKey("catalog_staff_audit.id", ondelete="CASCADE"),
        primary_key=True,
    )
    telegram_user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, index=True)
    entry: Mapped[StaffAudit] = relationship(back_populates="people")


# --- keeping derived columns and the revision up to date -----------------------------------------------------

REVISION_ROW_ID = 1
_CHANGED = "aula_catalog_changed"
# Rows whose changes the public API does not show.
_NOT_PUBLISHED = (Revision, StaffUser, StaffAudit, StaffAuditPerson)
_BOOKKEEPING = {"facts_observed_at", "updated_at"}


@event.listens_for(Degree, "before_insert")
@event.listens_for(Degree, "before_update")
@event.listens_for(Course, "before_insert")
@event.listens_for(Course, "before_update")
def _fold_search_name(_mapper, _connection, target) -> None:
    from aula_catalog.text import fold

    target.search_name = fold(target.name or "")


def _mark_changed(_mapper, _connection, target) -> None:
    if isinstance(target, _NOT_PUBLISHED) or _only_bookkeeping_changed(target):
        return
    session = object_session(target)
    if session is not None:
        session.info[_CHANGED] = True


for _event in ("after_insert", "after_update", "after_delete"):
    event.listen(Base, _event, _mark_changed, propagate=True)


def _only_bookkeeping_changed(target) -> bool:
    """A group observed again with nothing new changes no answer: keep every ETag and cached answer."""
    state = inspect(target)
    if state.deleted or state.was_deleted or not state.has_identity:
        return False
    changed = {attr.key for attr in state.attrs if attr.history.has_changes()}
    return bool(changed) and changed <= _BOOKKEEPING


@event.listens_for(Session, "before_commit")
def _bump_revision_on_commit(session: Session) -> None:
    # A global Session listener, but it only acts on sessions that flushed catalog rows.
    session.flush()
    if session.info.pop(_CHANGED, False):
        bump_revision(session)


def bump_revision(session: Session) -> None:
    """Invalidate every ETag (also for changes made with bulk statements, which skip the mapper events)."""
    session.execute(
        update(Revision)
        .where(Revision.id == REVISION_ROW_ID)
        .values(revision=Revision.revision + 1, changed_at=utcnow())
    )
