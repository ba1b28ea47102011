"""Italian and English texts: gettext catalogs per package, and the choice of language.

Every package that speaks to people keeps its texts in standard gettext catalogs next to its code,
`<package>/locale/<it|en>/LC_MESSAGES/messages.po` (compiled to `.mo` by `make messages-compile`). The msgid is
the English source text; both catalogs carry every message, so a missing translation is checkable in either
language (tests/shared/test_catalogs.py).

    TEXTS = Translations.for_package("aula_stats")
    TEXTS.gettext(language_for(user.language_code, chat_language), "Hello {name}", name="Ada")
    TEXTS.ngettext(language, "{n} message", "{n} messages", count)

The language comes first, the message second: `make messages-extract` finds `gettext(language, "…")` and
`ngettext(language, "…", "…", n)` by those positions. A module-level constant is marked with `N_("…")` so the
extraction finds it and translated where it is used (`TEXTS.gettext(language, CONSTANT)`). Values are filled
with str.format after translation (so translators can move them), only when values are given.

Staff pages (Flask) use Flask-Babel's `_`/`lazy_gettext` over the same catalogs: see aula_shared.staff_babel.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from functools import cache
from importlib import resources
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations as BabelTranslations

LANGUAGES = ("it", "en")
FALLBACK = "it"
DOMAIN = "messages"
LOCALE_DIR = "locale"  # inside each package that has texts

log = logging.getLogger(__name__)


def language_for(user_language: str | None, group_language: str | None, default: str = FALLBACK) -> str:
    """The user's language if Aula speaks it, else the group's, else the default (CONTRACT: bot commands)."""
    for candidate in (user_language, group_language, default):
        if candidate:
            primary = candidate.split("-")[0].lower()  # Telegram sends IETF tags such as "it" or "en-GB"
            if primary in LANGUAGES:
                return primary
    return FALLBACK


def N_(message: str) -> str:
    """Marks a text for extraction where it cannot be translated yet (a module-level constant); returns it as is."""
    return message


class Message(str):
    """A text made far from where it is shown (an error raised by a query module, a title): English as a str,
    with its msgid and values kept so the page or bot showing it can translate it.

        raise ReportError(Message(N_("No group with id {chat_id}."), chat_id=chat_id))
        page: translated(str(error) or error.args[0], flask_babel.gettext)
    """

    msgid: str
    values: dict[str, object]

    def __new__(cls, msgid: str, **values: object) -> Message:
        text = super().__new__(cls, msgid.format(**values) if values else msgid)
        text.msgid, text.values = msgid, values
        return text

    def translated(self, gettext: Callable[[str], str]) -> str:
        text = gettext(self.msgid)
        return text.format(**self.values) if self.values else text


def translated(text: str, gettext: Callable[[str], str]) -> str:
    """A Message in the language of `gettext`; any other str (a group's title, a name) as it is."""
    return text.translated(gettext) if isinstance(text, Message) else text


class MissingCatalog(LookupError):
    """A package asked for its texts but has no catalog for one of Aula's languages."""


def catalog_path(locale_dir: Path, language: str, suffix: str, domain: str = DOMAIN) -> Path:
    return locale_dir / language / "LC_MESSAGES" / f"{domain}{suffix}"


def load_language(locale_dir: Path, language: str, domain: str = DOMAIN) -> BabelTranslations:
    """One language's compiled catalog; the .po itself when the .mo is missing or older than it.

    The fallback keeps a fresh clone, an editable install or a forgotten `make messages-compile` speaking the
    current texts (with a warning) instead of silently showing English msgids.
    """
    mo, po = catalog_path(locale_dir, language, ".mo", domain), catalog_path(locale_dir, language, ".po", domain)
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as file:
            return BabelTranslations(file, domain=domain)
    if not po.exists():
        raise MissingCatalog(f"no {language} catalog in {locale_dir} (expected {po})")
    log.warning("compiled catalog missing or stale, reading the .po", extra={"catalog": str(po)})
    with po.open("rb") as file:
        catalog = read_po(file, locale=language, domain=domain)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return BabelTranslations(compiled, domain=domain)


def package_locale_dir(package: str) -> Path:
    return Path(str(resources.files(package))) / LOCALE_DIR


def has_catalogs(package: str) -> bool:
    return package_locale_dir(package).is_dir()


class Translations:
    """A package's texts in every language Aula speaks, loaded once (per process) when first asked for."""

    def __init__(self, locale_dir: Path, domain: str = DOMAIN) -> None:
        self.locale_dir = locale_dir
        self._by_language = {language: load_language(locale_dir, language, domain) for language in LANGUAGES}

    @classmethod
    @cache
    def for_package(cls, package: str) -> Translations:
        """The texts of an installed package, from `<package>/locale/`."""
        return cls(package_locale_dir(package))

    def language(self, language: str) -> BabelTranslations:
        """The gettext object of one language (Aula's fallback for a language it does not speak)."""
        return self._by_language.get(language) or self._by_language[FALLBACK]

    def gettext(self, language: str, message: str, **values: object) -> str:
        text = self.language(language).gettext(message)
        return text.format(**values) if values else text

    def ngettext(self, language: str, singular: str, plural: str, n: int, **values: object) -> str:
        """The form of `n` the language needs (Italian and English: one, other); `{n}` is filled in too."""
        return self.language(language).ngettext(singular, plural, n).format(n=n, **values)
