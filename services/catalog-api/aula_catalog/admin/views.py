"""Flask-Admin views of every catalog entity, as staff had them in the original (research §3.13)."""

from __future__ import annotations

from flask import current_app
from flask_admin import AdminIndexView
from flask_admin.contrib.sqla.ajax import QueryAjaxModelLoader
from flask_admin.model.form import InlineFormAdmin
from flask_babel import LazyString
from wtforms.validators import URL, NumberRange, Optional

from aula_catalog.models import (
    Course,
    CourseDegree,
    CourseLink,
    Degree,
    DegreeLink,
    DegreeType,
    Department,
    FeaturedCategory,
    FeaturedGroup,
    GroupAdmin,
    Professor,
    Representative,
    TelegramGroup,
    TelegramUser,
)
from aula_shared.staff import EVERY_LOGIN, StaffModelView, StaffOnly
from aula_shared.staff_babel import _, lazy_gettext

YEAR_CHOICES = [
    (0, lazy_gettext("0 — not assigned")),
    (1, "1"),
    (2, "2"),
    (3, "3"),
    (4, "4"),
    (5, "5"),
    (6, "6"),
    (-2, lazy_gettext("-2 — complementary")),
    (-1, lazy_gettext("-1 — cohort group")),
]
SEMESTER_CHOICES = [(0, lazy_gettext("0 — not assigned")), (1, "1"), (2, "2"), (3, lazy_gettext("3 — both"))]
DEGREE_TYPE_CHOICES = [(t.value, f"{t.value} — {t.label}") for t in DegreeType]  # Italian names of degrees
CATEGORY_CHOICES = [(c.value, LazyString(lambda c=c: f"{c.value} — {_(c.label)}")) for c in FeaturedCategory]
URL_CHECK = [Optional(), URL(require_tld=False)]

# Column and form-field labels of every catalog page (Flask-Admin would show the column names, in English).
LABELS = {
    "all_degrees": lazy_gettext("All degrees"),
    "button_name_en": lazy_gettext("Button text (English)"),
    "button_name_it": lazy_gettext("Button text (Italian)"),
    "category": lazy_gettext("Category"),
    "cfu": lazy_gettext("CFU"),
    "chat_id": lazy_gettext("Chat id"),
    "course": lazy_gettext("Course"),
    "degree": lazy_gettext("Degree"),
    "degree_name": lazy_gettext("Degree name"),
    "degree_rows.degree.name": lazy_gettext("Degree name"),
    "degree_rows.degree.type": lazy_gettext("Degree type"),
    "degree.name": lazy_gettext("Degree name"),
    "degrees": lazy_gettext("Degrees"),
    "department": lazy_gettext("Department"),
    "department.name": lazy_gettext("Department name"),
    "description_en": lazy_gettext("Description (English)"),
    "description_it": lazy_gettext("Description (Italian)"),
    "external_url": lazy_gettext("External link"),
    "facts_observed_at": lazy_gettext("Facts observed at"),
    "first_name": lazy_gettext("First name"),
    "group": lazy_gettext("Group"),
    "icon": lazy_gettext("Icon"),
    "id": lazy_gettext("Id"),
    "image_url": lazy_gettext("Image link"),
    "invite_link": lazy_gettext("Invite link"),
    "last_name": lazy_gettext("Last name"),
    "member_count": lazy_gettext("Members"),
    "name": lazy_gettext("Name"),
    "name_en": lazy_gettext("Name (English)"),
    "name_it": lazy_gettext("Name (Italian)"),
    "order": lazy_gettext("Order"),
    "photo": lazy_gettext("Photo"),
    "position": lazy_gettext("Position"),
    "professor": lazy_gettext("Professor"),
    "semester": lazy_gettext("Semester"),
    "slug": lazy_gettext("Slug"),
    "slug_unimi": lazy_gettext("University slug"),
    "title": lazy_gettext("Title"),
    "type": lazy_gettext("Type"),
    "url": lazy_gettext("Link"),
    "user": lazy_gettext("User"),
    "username": lazy_gettext("Username"),
    "wiki_link": lazy_gettext("Wiki link"),
    "year": lazy_gettext("Year"),
}


def _loader(session, model, name: str, fields: list) -> QueryAjaxModelLoader:
    placeholder = lazy_gettext("Type to search")
    return QueryAjaxModelLoader(name, session, model, fields=fields, page_size=20, placeholder=placeholder)


class StaffIndexView(StaffOnly, AdminIndexView):
    staff_area = EVERY_LOGIN


class CatalogModelView(StaffModelView):
    staff_area = "catalog"
    column_labels = LABELS

    def after_model_change(self, form, model, is_created) -> None:
        # This process answers with the new data at once; others within CATALOG_REVISION_TTL.
        current_app.extensions["aula_catalog"].clock.invalidate()

    def after_model_delete(self, model) -> None:
        current_app.extensions["aula_catalog"].clock.invalidate()


class DepartmentView(CatalogModelView):
    column_list = ("name", "slug", "icon")
    column_searchable_list = ("name", "slug")
    column_default_sort = "name"
    form_columns = ("name", "slug", "icon")

    def __init__(self, session, **kwargs):
        self.inline_models = [
            InlineFormAdmin(
                Representative,
                form_columns=("id", "user", "degree_name"),
                form_ajax_refs={
                    "user": _loader(
                        session, TelegramUser, "department_rep_user", ["first_name", "last_name", "username"]
                    )
                },
            )
        ]
        super().__init__(Department, session, **kwargs)


class DegreeView(CatalogModelView):
    column_list = ("name", "type", "department", "slug", "group")
    column_searchable_list = ("name", "slug")
    column_filters = ("type", "department.name")
    column_default_sort = "name"
    form_columns = ("name", "type", "slug", "department", "group", "icon")
    form_choices = {"type": DEGREE_TYPE_CHOICES}

    def __init__(self, session, **kwargs):
        self.form_ajax_refs = {
            "department": _loader(session, Department, "degree_department", ["name", "slug"]),
            "group": _loader(session, TelegramGroup, "degree_group", ["title", "invite_link"]),
        }
        self.inline_models = [
            InlineFormAdmin(
                CourseDegree,
                form_columns=("id", "course", "year", "semester"),
                form_choices={"year": YEAR_CHOICES, "semester": SEMESTER_CHOICES},
                form_ajax_refs={"course": _loader(session, Course, "degree_row_course", ["name", "slug_unimi"])},
            ),
            InlineFormAdmin(
                DegreeLink,
                form_columns=(
                    "id",
                    "position",
                    "name_it",
                    "name_en",
                    "description_it",
                    "description_en",
                    "url",
                    "icon",
                ),
                form_args={"url": {"validators": URL_CHECK}},
            ),
        ]
        super().__init__(Degree, session, **kwargs)


def _degree_names(view, context, model, name) -> str:
    return ", ".join(sorted(str(row.degree) for row in model.degree_rows))


class CourseView(CatalogModelView):
    column_list = ("name", "cfu", "degrees", "professor", "group")
    column_formatters = {"degrees": _degree_names}
    column_searchable_list = ("name", "slug_unimi")
    column_filters = ("cfu", "degree_rows.degree.name", "degree_rows.degree.type")
    column_default_sort = "name"
    form_columns = ("name", "cfu", "wiki_link", "slug_unimi", "group", "professor")
    form_widget_args = {"slug_unimi": {"readonly": True}}
    form_args = {"wiki_link": {"validators": URL_CHECK}, "cfu": {"validators": [NumberRange(min=0, max=500)]}}

    def __init__(self, session, **kwargs):
        self.form_ajax_refs = {
            "group": _loader(session, TelegramGroup, "course_group", ["title", "invite_link"]),
            "professor": _loader(session, Professor, "course_professor", ["first_name", "last_name"]),
        }
        self.inline_models = [
            InlineFormAdmin(
                CourseLink,
                form_columns=("id", "position", "name", "url"),
                form_args={"url": {"validators": [URL(require_tld=False)]}},
            ),
            InlineFormAdmin(
                CourseDegree,
                form_columns=("id", "degree", "year", "semester"),
                form_choices={"year": YEAR_CHOICES, "semester": SEMESTER_CHOICES},
                form_ajax_refs={"degree": _loader(session, Degree, "course_row_degree", ["name", "slug"])},
            ),
        ]
        super().__init__(Course, session, **kwargs)

    def on_model_change(self, form, model, is_created) -> None:
        # Keep the scraper's identity of the course as it is (the field is shown read-only).
        if not is_created and form.slug_unimi.object_data != form.slug_unimi.data:
            model.slug_unimi = form.slug_unimi.object_data
        if model.slug_unimi == "":
            model.slug_unimi = None


class ProfessorView(CatalogModelView):
    column_list = ("first_name", "last_name", "url")
    column_searchable_list = ("first_name", "last_name")
    column_default_sort = "last_name"
    form_args = {"url": {"validators": URL_CHECK}}


class RepresentativeView(CatalogModelView):
    column_list = ("user", "department", "degree_name")
    column_editable_list = ("degree_name",)
    column_searchable_list = ("degree_name",)
    column_filters = ("department.name",)
    form_columns = ("user", "department", "degree_name")

    def __init__(self, session, **kwargs):
        self.form_ajax_refs = {
            "user": _loader(session, TelegramUser, "representative_user", ["first_name", "last_name", "username"])
        }
        super().__init__(Representative, session, **kwargs)


class GroupAdminView(CatalogModelView):
    column_list = ("user", "all_degrees", "degrees")
    column_filters = ("all_degrees",)
    form_columns = ("user", "all_degrees", "degrees")

    def __init__(self, session, **kwargs):
        self.form_ajax_refs = {
            "user": _loader(session, TelegramUser, "admin_user", ["first_name", "last_name", "username"]),
            "degrees": _loader(session, Degree, "admin_degrees", ["name", "slug"]),
        }
        super().__init__(GroupAdmin, session, **kwargs)


class FeaturedGroupView(CatalogModelView):
    column_list = ("name_it", "category", "order", "group", "external_url")
    column_default_sort = ("order", True)
    column_filters = ("category",)
    column_searchable_list = ("name_it", "name_en")
    column_editable_list = ("order",)
    form_choices = {"category": CATEGORY_CHOICES}
    form_columns = (
        "category",
        "order",
        "group",
        "external_url",
        "image_url",
        "name_it",
        "description_it",
        "button_name_it",
        "name_en",
        "description_en",
        "button_name_en",
    )
    form_args = {"external_url": {"validators": URL_CHECK}}

    def __init__(self, session, **kwargs):
        self.form_ajax_refs = {"group": _loader(session, TelegramGroup, "featured_group", ["title", "invite_link"])}
        super().__init__(FeaturedGroup, session, **kwargs)


class TelegramGroupView(CatalogModelView):
    column_list = ("chat_id", "title", "invite_link", "member_count", "facts_observed_at")
    column_searchable_list = ("title", "invite_link", "username")
    column_filters = ("member_count",)
    column_default_sort = "title"
    form_columns = ("chat_id", "title", "invite_link", "username", "photo")
    form_args = {"invite_link": {"validators": URL_CHECK}}


class TelegramUserView(CatalogModelView):
    column_list = ("id", "first_name", "last_name", "username")
    column_searchable_list = ("first_name", "last_name", "username")
    form_columns = ("id", "first_name", "last_name", "username")


class DegreeLinkView(CatalogModelView):
    column_list = ("degree", "position", "name_it", "url")
    column_filters = ("degree.name",)
    column_searchable_list = ("name_it", "url")
    form_columns = ("degree", "position", "name_it", "name_en", "description_it", "description_en", "url", "icon")
    form_args = {"url": {"validators": [URL(require_tld=False)]}}
