"""Text helpers shared by the models, the importers and the search."""

from __future__ import annotations

import re
import unicodedata

_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lower case without accents, spaces collapsed: what search compares ("Università" → "universita").

    Stored beside each searchable name so that the same LIKE works on SQLite (whose lower() is ASCII only)
    and on PostgreSQL.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped.casefold()).strip()


def slugify(text: str) -> str:
    """ "Informatica (magistrale)" → "informatica-magistrale"."""
    return _NOT_ALNUM.sub("-", fold(text)).strip("-")


def normalise_slug(slug: str) -> str:
    """Old slugs used underscores; the website now uses hyphens (and 301-redirects the old ones)."""
    return slug.strip().lower().replace("_", "-")
