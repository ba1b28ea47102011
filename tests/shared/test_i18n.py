"""Texts in Italian or English: the user's language if it/en, else the group's."""

from __future__ import annotations

import pytest

from aula_shared.i18n import Catalog, language_for


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


def test_catalog_fills_values_and_refuses_missing_translations():
    catalog = Catalog({"hello": {"it": "Ciao {name}", "en": "Hello {name}"}})
    assert catalog.text("hello", "en", name="Ada") == "Hello Ada"
    assert catalog.text("hello", "it", name="Ada") == "Ciao Ada"
    with pytest.raises(ValueError, match="'bye' has no en text"):
        Catalog({"bye": {"it": "Ciao"}})
