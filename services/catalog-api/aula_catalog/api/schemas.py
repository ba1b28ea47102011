"""Marshmallow schemas: the query parameters each endpoint accepts and the shapes it answers (OpenAPI).

Responses are built by `queries.py` as plain dicts and serialised with orjson, because marshmallow costs
several milliseconds on a degree's 80 nested courses; the contract tests check every answer against these
schemas, so the document and the wire cannot drift apart.
"""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

MAX_ID = 2**31 - 1
SEARCH_MAX_LENGTH = 100


def _no_nul(value: str) -> None:
    # PostgreSQL refuses NUL in text; a parameter carrying one can only be an attack or a bug.
    if "\x00" in value:
        raise ValidationError("must not contain NUL characters")


def _id(name: str, description: str, *, required: bool = True) -> fields.Integer:
    return fields.Integer(
        required=required,
        strict=False,
        validate=validate.Range(min=1, max=MAX_ID, error=f"{name} must be a positive integer"),
        error_messages={
            "required": f"Please provide a {name} ({description})",
            "invalid": f"{name} must be an integer",
            "null": f"Please provide a {name} ({description})",
        },
        metadata={"description": description},
    )


def _slug() -> fields.String:
    return fields.String(
        validate=[validate.Length(min=1, max=200, error="slug must be 1 to 200 characters"), _no_nul],
        metadata={"description": "The degree's slug, e.g. `triennale-informatica` (underscores are accepted)"},
    )


# --- query parameters ----------------------------------------------------------------------------------------


class DepartmentIdArgs(Schema):
    dep_id = _id("dep_id", "department id")


class DegreeIdArgs(Schema):
    deg_id = _id("deg_id", "degree id")


class DegreeLookupArgs(Schema):
    pk = _id("pk", "degree id", required=False)
    slug = _slug()

    @validates_schema
    def _pk_or_slug(self, data: dict, **_kwargs) -> None:
        if "pk" not in data and "slug" not in data:
            raise ValidationError("Please provide the pk or an unique slug")


class DepartmentLookupArgs(Schema):
    pk = _id("pk", "department id", required=False)
    slug = fields.String(validate=[validate.Length(min=1, max=200), _no_nul])

    @validates_schema
    def _pk_or_slug(self, data: dict, **_kwargs) -> None:
        if "pk" not in data and "slug" not in data:
            raise ValidationError("Please provide the pk or an unique slug")


class CourseLookupArgs(Schema):
    pk = _id("pk", "course id")


class SearchArgs(Schema):
    q = fields.String(
        load_default="",
        validate=[
            validate.Length(max=SEARCH_MAX_LENGTH, error=f"q must be at most {SEARCH_MAX_LENGTH} characters"),
            _no_nul,
        ],
        metadata={"description": "Text to look for in names (case and accents are ignored); empty finds nothing"},
    )


# --- answers -------------------------------------------------------------------------------------------------


class ErrorSchema(Schema):
    ok = fields.Boolean(required=True, metadata={"example": False})
    error = fields.String(required=True)


class TgGroupSchema(Schema):
    id = fields.Integer(allow_none=True, metadata={"description": "Telegram chat id (null if only the link is known)"})
    title = fields.String(allow_none=True)
    profile_picture = fields.String(allow_none=True)
    invite_link = fields.String(allow_none=True)


class TgUserSchema(Schema):
    id = fields.Integer(required=True)
    first_name = fields.String(required=True)
    last_name = fields.String(allow_none=True)
    username = fields.String(allow_none=True, metadata={"description": "Without the @"})


class DepartmentSchema(Schema):
    pk = fields.Integer(required=True)
    name = fields.String(required=True)
    slug = fields.String(required=True)
    icon = fields.String(allow_none=True)
    degree_count = fields.Integer(required=True)
    representative_count = fields.Integer(required=True)


class DegreeSchema(Schema):
    pk = fields.Integer(required=True)
    name = fields.String(required=True)
    type = fields.String(required=True, validate=validate.OneOf(["B", "M", "C"]))
    group = fields.Nested(TgGroupSchema, allow_none=True, required=True)
    slug = fields.String(required=True)
    icon = fields.String(allow_none=True)


class VerboseDegreeSchema(Schema):
    pk = fields.Integer(required=True)
    name = fields.String(required=True)
    type = fields.String(required=True, validate=validate.OneOf(["B", "M", "C"]))
    department = fields.Nested(DepartmentSchema, required=True)
    group = fields.Nested(TgGroupSchema, allow_none=True, required=True)
    slug = fields.String(required=True)


class CourseLinkSchema(Schema):
    name = fields.String(required=True)
    url = fields.String(required=True)


class ProfessorSchema(Schema):
    first_name = fields.String(required=True)
    last_name = fields.String(required=True)
    url = fields.String(allow_none=True)


class CourseSchema(Schema):
    pk = fields.Integer(required=True)
    name = fields.String(required=True)
    cfu = fields.Integer(required=True, metadata={"description": "Credits; 0 when unknown"})
    wiki_link = fields.String(allow_none=True)
    links = fields.List(fields.Nested(CourseLinkSchema), required=True)
    group = fields.Nested(TgGroupSchema, allow_none=True, required=True)
    professor = fields.Nested(ProfessorSchema, allow_none=True, required=True)


class CourseDegreeSchema(Schema):
    course = fields.Nested(CourseSchema, required=True)
    year = fields.Integer(
        required=True,
        metadata={"description": "1..N year of study; 0 not assigned; -1 a cohort's group; -2 complementary"},
    )
    semester = fields.Integer(required=True, metadata={"description": "0 not assigned, 1, 2; 3 both"})


class SearchCourseSchema(CourseDegreeSchema):
    degree_name = fields.String(required=True)


class SearchSchema(Schema):
    degrees = fields.List(fields.Nested(DegreeSchema), required=True)
    courses = fields.List(fields.Nested(SearchCourseSchema), required=True)


class RepresentativeSchema(Schema):
    user = fields.Nested(TgUserSchema, required=True, metadata={"description": "The current website reads this"})
    tguser = fields.Nested(TgUserSchema, required=True, metadata={"description": "Same as `user` (older clients)"})
    degree_name = fields.String(required=True)


class TranslatedSchema(Schema):
    it = fields.String(allow_none=True)
    en = fields.String(allow_none=True)


class FeaturedGroupSchema(Schema):
    id = fields.Integer(allow_none=True, metadata={"description": "The Telegram chat id, if any"})
    name = fields.Nested(TranslatedSchema, required=True)
    description = fields.Nested(TranslatedSchema, required=True)
    invite_link = fields.String(allow_none=True)
    user_count = fields.Integer(allow_none=True, metadata={"description": "Members, as last seen on Telegram"})
    image_url = fields.String(allow_none=True)
    external_url = fields.String(allow_none=True)
    button_name = fields.Nested(TranslatedSchema, required=True)
    category = fields.String(required=True, validate=validate.OneOf(["u", "a", "s"]))


class FeaturedGroupsSchema(Schema):
    university_groups = fields.List(fields.Nested(FeaturedGroupSchema), required=True)
    announcement_groups = fields.List(fields.Nested(FeaturedGroupSchema), required=True)
    student_associations = fields.List(fields.Nested(FeaturedGroupSchema), required=True)


class VerboseDepartmentSchema(DepartmentSchema):
    degrees = fields.List(fields.Nested(DegreeSchema), required=True)
    representatives = fields.List(fields.Nested(RepresentativeSchema), required=True)


class CourseDegreeEntrySchema(Schema):
    degree = fields.Nested(DegreeSchema, required=True)
    year = fields.Integer(required=True)
    semester = fields.Integer(required=True)


class VerboseCourseSchema(CourseSchema):
    degrees = fields.List(fields.Nested(CourseDegreeEntrySchema), required=True)


class DegreeLinkSchema(Schema):
    """The shape of the website's `DegreeInformations.json` entries, so it can switch to the API as is."""

    name = fields.Nested(TranslatedSchema, required=True)
    description = fields.Nested(TranslatedSchema, required=True)
    link = fields.String(required=True)
    icon = fields.String(allow_none=True)


class HealthSchema(Schema):
    ok = fields.Boolean(required=True)
