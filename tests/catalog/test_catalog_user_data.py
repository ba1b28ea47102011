"""The personal data the catalog keeps (representatives, group admins, the admin's audit entries naming a person):
export and erase."""

from __future__ import annotations

from catalog.catalog_data import LEGACY
from catalog.conftest import catalog_settings, make_app
from sqlalchemy import select

from aula_catalog.importers import run_import
from aula_catalog.models import StaffAudit, StaffAuditPerson
from aula_catalog.user_data import CatalogUserData
from aula_shared import components, migrations
from aula_shared.db import session_scope
from aula_shared.staff import people_named

REPRESENTATIVE = 165370985  # Jacopo Antoniolli, a representative of Informatica
ADMIN = 119507304  # MrBrionix, an admin of Informatica's groups
OTTO, ZELDA = 7_300_000_011, 7_300_000_012


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


def audit_entry(model: str, object_id: str, after: dict, people: tuple[int, ...] = ()) -> StaffAudit:
    entry = StaffAudit(staff_username="ada_staff", area="moderation", view=f"x_{model}.edit_view", action="update",
                       model=model, object_id=object_id, after=after)  # fmt: skip
    entry.people = [StaffAuditPerson(telegram_user_id=person) for person in people]
    return entry


def test_erase_drops_the_person_as_the_audited_record_s_id(new_database):
    url = new_database()
    with session_scope(url) as session:  # their trust row, keyed by their id, changed in the admin
        session.add(audit_entry("Trust", str(ZELDA), {"user_id": ZELDA, "level": "verified"}, people=(ZELDA,)))
        session.add(audit_entry("Role", "7", {"user_id": OTTO, "role": "moderator"}, people=(OTTO,)))
    assert CatalogUserData(catalog_settings(url)).erase(ZELDA) == 1
    with session_scope(url) as session:
        trust, role = session.scalars(select(StaffAudit).order_by(StaffAudit.id)).all()
        assert (trust.model, trust.object_id, trust.after, trust.people) == ("Trust", None, None, [])
        assert (role.object_id, role.after["user_id"]) == ("7", OTTO)  # another person's entry: untouched


def test_entries_naming_who_whitelisted_verified_or_decided_are_linked_to_them(new_database):
    assert people_named("WhitelistedBot", {"username": "x_bot", "whitelisted_by": ZELDA}) == (ZELDA,)
    assert people_named("Trust", {"user_id": OTTO, "verified_by": ZELDA}) == (OTTO, ZELDA)
    assert people_named("Appeal", None, {"user_id": OTTO, "decided_by": ZELDA}) == (OTTO, ZELDA)
    # Entries recorded before the rule knew those keys are linked by the migration.
    url = new_database()
    migrations.downgrade(components.by_name("catalog"), url, "catalog_0003")
    with session_scope(url) as session:
        session.add(audit_entry("WhitelistedBot", "x_bot", {"username": "x_bot", "whitelisted_by": ZELDA}))
        session.add(audit_entry("Trust", str(OTTO), {"user_id": OTTO, "verified_by": ZELDA}, people=(OTTO,)))
        session.add(audit_entry("Appeal", str(OTTO), {"user_id": OTTO, "decided_by": None}, people=(OTTO,)))
    migrations.upgrade(components.by_name("catalog"), url)
    with session_scope(url) as session:
        linked = [
            sorted(p.telegram_user_id for p in e.people)
            for e in session.scalars(select(StaffAudit).order_by(StaffAudit.id))
        ]
    assert linked == [[ZELDA], [OTTO, ZELDA], [OTTO]]
    data = CatalogUserData(catalog_settings(url))
    assert [entry["record_type"] for entry in data.export(ZELDA)["staff_audit"]] == ["WhitelistedBot", "Trust"]
    assert data.erase(ZELDA) == 2
    assert data.export(ZELDA) == {}
