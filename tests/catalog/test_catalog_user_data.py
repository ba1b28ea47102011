"""The personal data the catalog keeps (representatives and group admins): export and erase."""

from __future__ import annotations

from catalog.catalog_data import LEGACY
from catalog.conftest import catalog_settings, make_app

from aula_catalog.importers import run_import
from aula_catalog.user_data import CatalogUserData
from aula_shared import components

REPRESENTATIVE = 165370985  # Jacopo Antoniolli, a representative of Informatica
ADMIN = 119507304  # MrBrionix, an admin of Informatica's groups


def test_the_component_declares_its_user_data():
    assert components.load(components.by_name("catalog").user_data).__class__ is CatalogUserData


def test_export_then_erase_everywhere_the_catalog_keeps_a_person(new_database):
    url = new_database()
    run_import(url, "legacy", LEGACY / "src/data/Data.json")
    data = CatalogUserData(catalog_settings(url))
    assert data.export(REPRESENTATIVE) == {
        "telegram_user": {
            "id": REPRESENTATIVE,
            "first_name": "Jacopo",
            "last_name": "Antoniolli",
            "username": "ChufChufMF",
        },
        "representative_of": [
            {
                "department": "Dipartimento di Informatica",
                "degree_name": "Sicurezza dei sistemi e delle reti informatiche",
            }
        ],
        "group_admin": None,
    }
    assert data.export(ADMIN)["group_admin"] == {"all_degrees": False, "degrees": ["triennale-informatica"]}
    assert data.export(1) == {}

    client = make_app(url).test_client()
    informatica = client.get("/api/department?slug=informatica").get_json()
    assert data.erase(REPRESENTATIVE) == 2  # the user and one representative entry
    assert data.erase(ADMIN) == 2  # the user and their admin listing
    assert data.erase(REPRESENTATIVE) == 0
    assert data.export(REPRESENTATIVE) == {}
    people = client.get(f"/api/representatives?dep_id={informatica['pk']}").get_json()
    assert REPRESENTATIVE not in [p["user"]["id"] for p in people] and len(people) == 13
    admins = client.get("/api/admins?slug=triennale-informatica").get_json()
    assert ADMIN not in [a["id"] for a in admins] and len(admins) == 7
