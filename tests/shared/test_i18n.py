"""Texts in Italian or English: the user's language if it/en, else the group's; gettext catalogs and plurals."""

from __future__ import annotations

import os

import pytest
from babel.messages.catalog import Catalog as BabelCatalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import write_po

from aula_shared.i18n import N_, Message, MissingCatalog, Translations, language_for, translated


@pytest.mark.parametrize(
    ("user", "group", "expected"),
    [
        ("en", "it", "en"),
        ("en-GB", "it", "en"),
        ("it", "en", "it"),
        ("de", "en", "en"),  # Aula does not speak German: the group's language
        (None, "en", "en"),
        (None, None, "it"),
        ("ru", "fr", "it"),
    ],
)
def test_language_for(user, group, expected):
    assert language_for(user, group) == expected


def write_catalogs(locale_dir, compiled: bool) -> None:
    """A package's it/en catalogs with one plain and one plural message."""
    texts = {
        "it": {"Hello {name}": "Ciao {name}", ("{n} message", "{n} messages"): ("{n} messaggio", "{n} messaggi")},
        "en": {"Hello {name}": "Hello {name}", ("{n} message", "{n} messages"): ("{n} message", "{n} messages")},
    }
    for language, messages in texts.items():
        catalog = BabelCatalog(locale=language)
        catalog.mime_headers = [("Plural-Forms", "nplurals=2; plural=(n != 1);")]
        for msgid, msgstr in messages.items():
            catalog.add(msgid, msgstr)
        folder = locale_dir / language / "LC_MESSAGES"
        folder.mkdir(parents=True)
        with (folder / "messages.po").open("wb") as file:
            write_po(file, catalog)
        if compiled:
            with (folder / "messages.mo").open("wb") as file:
                write_mo(file, catalog)


@pytest.mark.parametrize("compiled", [True, False], ids=["mo", "po fallback"])
def test_gettext_and_plural_forms_in_italian_and_english(tmp_path, compiled):
    write_catalogs(tmp_path, compiled)
    texts = Translations(tmp_path)
    assert texts.gettext("it", "Hello {name}", name="Ada") == "Ciao Ada"
    assert texts.gettext("en", "Hello {name}", name="Ada") == "Hello Ada"
    plural = ("{n} message", "{n} messages")
    assert [texts.ngettext("it", *plural, n) for n in (0, 1, 2, 1_000_000)] == [
        "0 messaggi",
        "1 messaggio",
        "2 messaggi",
        "1000000 messaggi",
    ]
    assert [texts.ngettext("en", *plural, n) for n in (0, 1, 2)] == ["0 messages", "1 message", "2 messages"]
    assert texts.gettext("de", "Hello {name}", name="Ada") == "Ciao Ada"  # a language Aula does not speak: Italian
    assert texts.gettext("en", "Not in the catalog") == "Not in the catalog"


def test_a_stale_compiled_catalog_gives_way_to_the_po(tmp_path):
    write_catalogs(tmp_path, compiled=True)
    po = tmp_path / "it" / "LC_MESSAGES" / "messages.po"
    po.write_text(po.read_text(encoding="utf-8").replace("Ciao {name}", "Salve {name}"), encoding="utf-8")
    mo = po.with_suffix(".mo")
    os.utime(mo, (po.stat().st_mtime - 60, po.stat().st_mtime - 60))
    assert Translations(tmp_path).gettext("it", "Hello {name}", name="Ada") == "Salve Ada"


def test_a_package_without_a_catalog_is_an_error_not_english(tmp_path):
    with pytest.raises(MissingCatalog, match="no it catalog"):
        Translations(tmp_path)


def test_the_real_packages_load_their_texts():
    assert Translations.for_package("aula_stats").gettext("it", "Statistics") == "Statistiche"
    assert Translations.for_package("aula_catalog").gettext("en", "Courses") == "Courses"


def test_a_message_is_english_until_translated_where_it_is_shown(tmp_path):
    write_catalogs(tmp_path, compiled=False)
    texts = Translations(tmp_path)
    message = Message(N_("Hello {name}"), name="Ada")
    assert message == "Hello Ada" and str(ValueError(message)) == "Hello Ada"
    assert translated(message, texts.language("it").gettext) == "Ciao Ada"
    assert translated("Gruppo di Fisica", texts.language("en").gettext) == "Gruppo di Fisica"
