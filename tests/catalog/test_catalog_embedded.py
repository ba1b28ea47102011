"""The embedded default: the same catalog on a SQLite file (migrations, importers, the main endpoints)."""

from __future__ import annotations

import pytest
from catalog.catalog_data import LEGACY, load_standard_catalog
from catalog.conftest import make_app

from aula_catalog.importers import run_import

pytestmark = pytest.mark.embedded


@pytest.fixture
def client(sqlite_url):
    load_standard_catalog(sqlite_url)
    return make_app(sqlite_url).test_client()


def test_importers_are_idempotent_on_sqlite(sqlite_url):
    first = run_import(sqlite_url, "legacy", LEGACY / "src/data/Data.json")
    assert first.added["courses"] == 200 and first.added["course degrees"] == 211
    assert not run_import(sqlite_url, "legacy", LEGACY / "src/data/Data.json").changed


def test_the_degree_page_calls_on_sqlite(client):
    degree = client.get("/api/degree?slug=triennale-informatica").get_json()
    rows = client.get(f"/api/courses?deg_id={degree['pk']}").get_json()
    assert len(rows) == 38
    assert rows[0]["course"]["name"] == "Architettura degli elaboratori 1"
    assert len(client.get("/api/admins?slug=triennale-informatica").get_json()) == 8
    people = client.get(f"/api/representatives?dep_id={degree['department']['pk']}").get_json()
    assert len(people) == 14


def test_search_is_accent_and_case_insensitive_on_sqlite_too(client):
    # SQLite's lower() knows only ASCII: the folded search column makes "PSICOMOTRICITA" find "psicomotricità".
    found = client.get("/api/search-degrees?q=PSICOMOTRICITA").get_json()
    assert any("psicomotricità" in d["name"] for d in found)
    assert client.get("/api/search?q=%25").get_json() == {"degrees": [], "courses": []}


def test_etags_and_304_on_sqlite(client):
    first = client.get("/api/featured-groups")
    assert client.get("/api/featured-groups", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    assert client.get("/api/degree?pk=abc").status_code == 400
