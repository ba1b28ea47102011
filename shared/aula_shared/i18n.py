"""Italian and English texts: each service keeps a catalog, this module picks the language and fills it in.

A catalog maps a message key to its text per language:

    NOTICES = Catalog({"unmanaged": {"it": "Questo gruppo non è gestito: id {chat_id}.", "en": "..."}})
    NOTICES.text("unmanaged", language_for(user.language_code, chat_language), chat_id=-100)

Every key must have every language (checked when the catalog is built), so a missing translation is a bug at
import time, not a blank message in a group.
"""

from __future__ import annotations

from collections.abc import Mapping

LANGUAGES = ("it", "en")
FALLBACK = "it"


def language_for(user_language: str | None, group_language: str | None, default: str = FALLBACK) -> str:
    """The user's language if Aula speaks it, else the group's, else the default (CONTRACT: bot commands)."""
    for candidate in (user_language, group_language, default):
        if candidate:
            primary = candidate.split("-")[0].lower()  # Telegram sends IETF tags such as "it" or "en-GB"
            if primary in LANGUAGES:
                return primary
    return FALLBACK


class Catalog:
    def __init__(self, messages: Mapping[str, Mapping[str, str]]) -> None:
        for key, texts in messages.items():
            missing = [language for language in LANGUAGES if not texts.get(language)]
            if missing:
                raise ValueError(f"message {key!r} has no {', '.join(missing)} text")
        self._messages = messages

    def text(self, key: str, language: str, **values: object) -> str:
        texts = self._messages[key]
        return texts.get(language, texts[FALLBACK]).format(**values)
