"""No user-facing text bypasses the gettext catalogs (the rules: tests/text_bypass.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from text_bypass import scan_python, scan_template, scan_tree

ROOT = Path(__file__).resolve().parents[2]

# Services not scanned yet (a service still being converted to gettext would go here): none left.
NOT_CONVERTED_YET: set[str] = set()

# Texts that look user-facing but are not, each with the reason: (path, rule, text) -> reason.
ALLOWED: dict[tuple[str, str, str], str] = {}


def scanned_packages() -> list[Path]:
    packages = [ROOT / "shared" / "aula_shared"]
    for project in sorted((ROOT / "services").iterdir()):
        if project.relative_to(ROOT).as_posix() in NOT_CONVERTED_YET:
            continue
        packages += [path for path in sorted(project.glob("aula_*")) if (path / "__init__.py").is_file()]
    return packages


def test_every_service_package_is_scanned_except_the_ones_not_converted_yet():
    scanned = {path.parent.relative_to(ROOT).as_posix() for path in scanned_packages()}
    services = {path.relative_to(ROOT).as_posix() for path in (ROOT / "services").iterdir() if path.is_dir()}
    assert scanned == {"shared"} | (services - NOT_CONVERTED_YET)


def test_no_user_facing_text_bypasses_the_catalogs():
    findings = scan_tree(ROOT, scanned_packages())
    unexplained = [finding for finding in findings if (finding.path, finding.rule, finding.text) not in ALLOWED]
    assert not unexplained, "wrap these in _()/lazy_gettext()/TEXTS.gettext(), or allow them with a reason:\n" + (
        "\n".join(map(str, unexplained))
    )
    found = {(finding.path, finding.rule, finding.text) for finding in findings}
    assert not set(ALLOWED) - found, "allowed texts no longer in the code: drop them from ALLOWED"


BYPASSES = """
CATEGORY = "Statistics"

def notify(client, chat_id, name):
    client.call("sendMessage", chat_id=chat_id, text=f"Welcome {name}!")
    client.call("sendPhoto", chat_id=chat_id, photo="x", caption="A photo")
    client.call("answerCallbackQuery", callback_query_id="1", text="Done")
    keyboard = [[{"text": "Accept", "callback_data": "ok"}]]
    flash("Saved.", "info")

def add_views(admin, session):
    admin.add_view(View(session, name="Roles", category=CATEGORY))

class RoleView:
    column_labels = {"user_id": "User"}
    role = SelectField("Role")
"""

WRAPPED = """
from aula_shared.i18n import N_, Translations
from aula_shared.staff_babel import _, lazy_gettext

TEXTS = Translations.for_package("aula_x")
CATEGORY = lazy_gettext("Statistics")
CONSTANT = N_("Welcome {name}!")

def notify(client, chat_id, name, language):
    client.call("sendMessage", chat_id=chat_id, text=TEXTS.gettext(language, CONSTANT, name=name))
    client.call("answerCallbackQuery", callback_query_id="1", text=TEXTS.gettext(language, "Done"))
    client.call("sendMessage", chat_id=chat_id, text="👍")
    keyboard = [[{"text": TEXTS.gettext(language, "Accept"), "callback_data": "ok"}]]
    flash(_("Saved."), "info")

def add_views(admin, session):
    admin.add_view(View(session, name=lazy_gettext("Roles"), category=CATEGORY, endpoint="roles"))

class RoleView:
    column_labels = {"user_id": lazy_gettext("User")}
    role = SelectField(lazy_gettext("Role"))
"""


def test_the_scan_finds_every_kind_of_bypass():
    found = {(finding.rule, finding.text) for finding in scan_python(BYPASSES, "example.py")}
    assert found == {
        ("Bot API text", "Welcome {…}!"),
        ("Bot API text", "A photo"),
        ("Bot API text", "Done"),
        ("button text", "Accept"),
        ("flash message", "Saved."),
        ("admin view name", "Roles"),
        ("admin view category", "Statistics"),
        ("column label", "User"),
        ("form field label", "Role"),
    }


def test_wrapped_texts_and_texts_without_words_pass():
    assert scan_python(WRAPPED, "example.py") == []


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("<p>{{ _('Saved.') }}</p>", []),
        ("<p>{{ chart.title }} — {{ count }}</p>", []),
        ("<style>body { font-family: sans-serif }</style>", []),
        ("<p>Saved.</p>", [("template text", "Saved.")]),
        ('<input placeholder="Search">', [("template text", "placeholder=Search")]),
        ("{{ gettext('Saved.') }}", [("template call not extracted", "gettext(")]),
        ("{% trans %}Saved.{% endtrans %}", [("template call not extracted", "{% trans"), ("template text", "Saved.")]),
    ],
)
def test_the_template_scan(template, expected):
    assert [(finding.rule, finding.text) for finding in scan_template(template, "t.html")] == expected
