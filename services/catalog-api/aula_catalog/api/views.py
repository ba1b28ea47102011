"""The public API under /api: the endpoints of the original (research §2, §5.3) plus a few additions.

Paths, parameters and shapes are the original's, field for field; what differs is what the research lists
as bugs: bad or missing parameters are 400 `{"ok": false, "error": …}` (never a 500), unknown ids are 404,
`/api/admins` lists each user once, and a featured group without a Telegram group is fine.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flask_smorest
import orjson
from flask import Response, current_app, g, request
from webargs.flaskparser import FlaskParser

from aula_catalog.api import database, queries
from aula_catalog.api import schemas as s
from aula_catalog.api.caching import CachedAnswer, etag_for

NOT_FOUND = {"ok": False, "error": "Not found"}
STRING_LIST = {"type": "array", "items": {"type": "string"}}


class _Parser(FlaskParser):
    # The original (and the website) expect 400 for bad parameters, not webargs' 422.
    DEFAULT_VALIDATION_STATUS = 400


class CatalogBlueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = _Parser()


def json_response(payload: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(payload), status=status, mimetype="application/json")


def _answer(read: Callable[..., Any], *args: Any, cacheable: bool = True) -> Response:
    """Run one read (None means 404); keep a 200 answer for the next identical request at this revision."""
    state = current_app.extensions["aula_catalog"]
    payload = database.read(state.read_engine, lambda c: read(c, *args))
    if payload is None:
        return json_response(NOT_FOUND, 404)
    response = json_response(payload)
    if cacheable and state.answer_cache is not None:
        query = request.environ.get("QUERY_STRING", "")
        etag = etag_for(g.catalog_revision, request.path, query)
        state.answer_cache.put(request.path, query, CachedAnswer(g.catalog_revision, etag, response.get_data()))
    return response


def build_blueprint() -> CatalogBlueprint:
    blp = CatalogBlueprint(
        "api",
        __name__,
        url_prefix="/api",
        description="The university catalog the website reads. Read-only; every answer carries an ETag.",
    )
    not_found = {"description": "Unknown id or slug", "schema": s.ErrorSchema}

    @blp.before_request
    def _read_revision() -> None:
        # Read before the data, so that the ETag never claims a newer revision than the body shows.
        g.catalog_revision = current_app.extensions["aula_catalog"].clock.current()

    @blp.after_request
    def _cache_headers(response: Response) -> Response:
        state = current_app.extensions["aula_catalog"]
        if request.method in ("GET", "HEAD") and response.status_code == 200:
            response.headers["ETag"] = etag_for(
                g.catalog_revision, request.path, request.environ.get("QUERY_STRING", "")
            )
            response.headers["Cache-Control"] = state.cache_control
        elif response.status_code >= 400:
            response.headers["Cache-Control"] = "no-store"
        cors = state.cors.preflight_headers if request.method == "OPTIONS" else state.cors.headers
        for name, value in cors(request.headers.get("Origin")):
            if name == "Vary":
                response.vary.add(value)
            else:
                response.headers[name] = value
        return response

    @blp.route("/departments")
    @blp.response(200, s.DepartmentSchema(many=True))
    def departments() -> Response:
        """Every department, by name, with its number of degrees and representatives."""
        return _answer(queries.departments)

    @blp.route("/degrees")
    @blp.arguments(s.DepartmentIdArgs, location="query", as_kwargs=True)
    @blp.response(200, s.DegreeSchema(many=True))
    @blp.alt_response(404, **not_found)
    def degrees(dep_id: int) -> Response:
        """The degrees of a department: those with the most courses first, then by name."""
        return _answer(queries.degrees_of_department, dep_id)

    @blp.route("/degree")
    @blp.arguments(s.DegreeLookupArgs, location="query", as_kwargs=True)
    @blp.response(200, s.VerboseDegreeSchema)
    @blp.alt_response(404, **not_found)
    def degree(pk: int | None = None, slug: str | None = None) -> Response:
        """One degree with its department, by `pk` or `slug` (`pk` wins when both are given)."""
        return _answer(queries.verbose_degree, pk, slug)

    @blp.route("/search-degrees")
    @blp.arguments(s.SearchArgs, location="query", as_kwargs=True)
    @blp.response(200, s.DegreeSchema(many=True))
    def search_degrees(q: str) -> Response:
        """Degrees whose name contains `q`: shortest name first, then name, then type."""
        return _answer(queries.search_degrees, q)

    @blp.route("/courses")
    @blp.arguments(s.DegreeIdArgs, location="query", as_kwargs=True)
    @blp.response(200, s.CourseDegreeSchema(many=True))
    @blp.alt_response(404, **not_found)
    def courses(deg_id: int) -> Response:
        """A degree's courses: year 0, then 1, 2, 3…, then complementary (-2), then cohort groups (-1);
        by semester within a year, then by name."""
        return _answer(queries.courses_of_degree, deg_id)

    @blp.route("/representatives")
    @blp.arguments(s.DepartmentIdArgs, location="query", as_kwargs=True)
    @blp.response(200, s.RepresentativeSchema(many=True))
    @blp.alt_response(404, **not_found)
    def representatives(dep_id: int) -> Response:
        """A department's student representatives (`user`, and the same as `tguser` for older clients)."""
        return _answer(queries.representatives, dep_id)

    @blp.route("/typing-degrees")
    @blp.response(200, STRING_LIST)
    def typing_degrees() -> Response:
        """Up to 30 distinct degree names, lower-cased, shuffled (the home page's typing animation)."""
        return _answer(queries.typing_degrees, cacheable=False)  # a new draw each time

    @blp.route("/admins")
    @blp.arguments(s.DegreeLookupArgs, location="query", as_kwargs=True)
    @blp.response(200, s.TgUserSchema(many=True))
    @blp.alt_response(404, **not_found)
    def admins(pk: int | None = None, slug: str | None = None) -> Response:
        """The Telegram users who administer a degree's groups, each once."""
        return _answer(queries.admins, pk, slug)

    @blp.route("/featured-groups")
    @blp.response(200, s.FeaturedGroupsSchema)
    def featured_groups() -> Response:
        """Groups for the home and groups pages by category, each list by descending `order`."""
        return _answer(queries.featured_groups)

    @blp.route("/search")
    @blp.arguments(s.SearchArgs, location="query", as_kwargs=True)
    @blp.response(200, s.SearchSchema)
    def search(q: str) -> Response:
        """Degrees and course-degree pairs whose name contains `q` (at most 100 pairs, shortest name first)."""
        return _answer(queries.search, q)

    @blp.route("/slug-degrees")
    @blp.response(200, STRING_LIST)
    def slug_degrees() -> Response:
        """Every degree's slug (the website builds its static pages from them)."""
        return _answer(queries.slug_degrees)

    @blp.route("/department")
    @blp.arguments(s.DepartmentLookupArgs, location="query", as_kwargs=True)
    @blp.response(200, s.VerboseDepartmentSchema)
    @blp.alt_response(404, **not_found)
    def department(pk: int | None = None, slug: str | None = None) -> Response:
        """Addition: one department with its degrees (by name) and representatives."""
        return _answer(queries.verbose_department, pk, slug)

    @blp.route("/course")
    @blp.arguments(s.CourseLookupArgs, location="query", as_kwargs=True)
    @blp.response(200, s.VerboseCourseSchema)
    @blp.alt_response(404, **not_found)
    def course(pk: int) -> Response:
        """Addition: one course with every degree it belongs to."""
        return _answer(queries.verbose_course, pk)

    @blp.route("/degree-links")
    @blp.arguments(s.DegreeLookupArgs, location="query", as_kwargs=True)
    @blp.response(200, s.DegreeLinkSchema(many=True))
    @blp.alt_response(404, **not_found)
    def degree_links(pk: int | None = None, slug: str | None = None) -> Response:
        """Addition: a degree's external links, in the shape of the website's `DegreeInformations.json`."""
        return _answer(queries.degree_links, pk, slug)

    return blp
