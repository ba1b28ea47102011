"""Property-based run over the OpenAPI document: whatever the query string, no answer is a 500.

For every GET operation the document lists, hypothesis draws query strings from the documented parameters
(valid values, values out of range, wrong types, NUL bytes, any Unicode, repeated and unknown parameters,
broken percent-encoding) and checks the answer: 200 with a body matching the documented schema, or a
400/404 with the `{"ok": false, "error": "..."}` body.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aula_catalog.api import schemas as s

ANSWER_SCHEMAS = {
    "/api/departments": s.DepartmentSchema(many=True),
    "/api/degrees": s.DegreeSchema(many=True),
    "/api/degree": s.VerboseDegreeSchema(),
    "/api/search-degrees": s.DegreeSchema(many=True),
    "/api/courses": s.CourseDegreeSchema(many=True),
    "/api/representatives": s.RepresentativeSchema(many=True),
    "/api/admins": s.TgUserSchema(many=True),
    "/api/featured-groups": s.FeaturedGroupsSchema(),
    "/api/search": s.SearchSchema(),
    "/api/department": s.VerboseDepartmentSchema(),
    "/api/course": s.VerboseCourseSchema(),
    "/api/degree-links": s.DegreeLinkSchema(many=True),
}
LIST_OF_STRINGS = {"/api/typing-degrees", "/api/slug-degrees"}

any_text = st.text(st.characters(codec="utf-8"), max_size=120)
awkward_text = st.sampled_from(
    ["", " ", "\x00", "%", "_", "'", '"; DROP TABLE x; --', "a" * 101, "a" * 300, "🎓", "\u202e", "NaN", "1e9"]
)


def value_for(schema: dict) -> st.SearchStrategy[str]:
    """Text for one documented parameter: mostly plausible, often wrong."""
    if schema.get("type") == "integer":
        low, high = schema.get("minimum", -(2**63)), schema.get("maximum", 2**63)
        plausible = st.integers(min_value=1, max_value=400).map(str)
        edges = st.sampled_from([str(low), str(high), str(low - 1), str(high + 1), "0", "-1", "2147483648"])
        wrong = st.one_of(any_text, awkward_text, st.floats(allow_nan=True).map(str), st.integers().map(str))
        return st.one_of(plausible, edges, wrong)
    plausible = st.sampled_from(
        ["triennale-informatica", "triennale_informatica", "informatica", "logica", "Università", "magistrale"]
    )
    return st.one_of(plausible, any_text, awkward_text)


def query_strings(parameters: list[dict]) -> st.SearchStrategy[str]:
    pairs = [st.lists(st.tuples(st.just(p["name"]), value_for(p.get("schema", {}))), max_size=2) for p in parameters]
    extra = st.lists(st.tuples(any_text.filter(bool), any_text), max_size=2)
    broken = st.sampled_from(["", "&%ZZ=1", "&q=%FF%FE", "&=", "&&&", "&pk"])

    def build(chosen: list[list[tuple[str, str]]], unknown: list[tuple[str, str]], tail: str) -> str:
        items = [pair for group in chosen for pair in group] + unknown
        return "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in items) + tail

    return st.builds(build, st.tuples(*pairs).map(list) if pairs else st.just([]), extra, broken)


def check_answer(path: str, response) -> None:
    assert response.status_code in (200, 400, 404), (path, response.status_code, response.data[:200])
    payload = response.get_json()
    if response.status_code == 200:
        if path in LIST_OF_STRINGS:
            assert all(isinstance(item, str) for item in payload)
        else:
            assert ANSWER_SCHEMAS[path].validate(payload) == {}
    else:
        assert set(payload) == {"ok", "error"} and payload["ok"] is False and isinstance(payload["error"], str)


@pytest.fixture(scope="module")
def operations(app) -> list[tuple[str, list[dict]]]:
    document = app.test_client().get("/api/openapi.json").get_json()
    found = [
        (path, item["get"].get("parameters", []))
        for path, item in document["paths"].items()
        if "get" in item and path.startswith("/api/")
    ]
    assert {path for path, _ in found} == set(ANSWER_SCHEMAS) | LIST_OF_STRINGS
    return found


@pytest.mark.parametrize("path", sorted(set(ANSWER_SCHEMAS) | LIST_OF_STRINGS))
def test_no_query_string_yields_a_500(app, operations, path):
    client = app.test_client()
    parameters = dict(operations)[path]

    @settings(
        max_examples=60,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(query=query_strings(parameters))
    def run(query: str) -> None:
        check_answer(path, client.get(f"{path}?{query}" if query else path))

    run()


@given(path=st.text(st.characters(codec="utf-8", exclude_characters="?#"), max_size=40))
@settings(max_examples=80, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_no_path_under_api_yields_a_500(app, path):
    response = app.test_client().get("/api/" + quote(path))
    assert response.status_code in (200, 308, 400, 404, 405)
    if response.status_code >= 400:
        assert response.get_json()["ok"] is False
