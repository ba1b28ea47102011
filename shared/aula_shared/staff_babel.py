"""The staff admin in Italian or English: Flask-Babel over the components' own gettext catalogs.

Each component keeps its texts in its package (`<package>/locale/<it|en>/LC_MESSAGES/messages.po`, see
aula_shared.i18n). The host app (catalog-api) calls `init_staff_babel` with the function that picks the staff
member's language; every component whose staff pages are added through `aula_shared.staff.add_component_views`
has its catalogs registered automatically (when its package has a `locale` directory), and a package can be
registered by hand with `register_package(app, "aula_x")`. Their catalogs are merged into one Flask-Babel
domain, so Python code (`lazy_gettext`, `_`) and templates (`{{ _("…") }}`) translate with the same calls
wherever the page comes from. A msgid two packages both translate takes the later package's text.

Flask-Admin's own texts (buttons, list headers, filters) come with Flask-Admin in its `admin` domain, which
follows the same locale.

Loading goes through aula_shared.i18n (not Flask-Babel's directory scan) so that a missing .mo falls back to
the .po there too, instead of the admin silently showing English msgids.

Import this module only from the staff admin: it needs Flask-Babel (`aula-shared[staff]`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from babel.support import Translations as BabelTranslations
from flask import Flask
from flask_babel import Babel, Domain, get_locale, lazy_gettext, ngettext
from flask_babel import gettext as _flask_gettext

from aula_shared.i18n import FALLBACK, LANGUAGES, Translations, has_catalogs, translated

__all__ = ["_", "_n", "init_staff_babel", "lazy_gettext", "register_package", "staff_language"]

# The names staff pages use (scripts/messages.py extracts `_`, `_n`, `lazy_gettext`): Flask-Babel's
# gettext/ngettext take the message first, Aula's own Translations take the language first.
_ = _flask_gettext
_n = ngettext


class PackagesDomain(Domain):
    """One Flask-Babel domain made of the registered packages' catalogs, merged per language."""

    def __init__(self) -> None:
        super().__init__(domain="messages")
        self.packages: list[str] = []
        self._merged: dict[str, BabelTranslations] = {}
        self._lock = threading.Lock()

    def add(self, package: str) -> None:
        with self._lock:
            if package not in self.packages:
                self.packages.append(package)
                self._merged.clear()

    def get_translations(self) -> BabelTranslations:
        language = staff_language()
        merged = self._merged.get(language)
        if merged is None:
            with self._lock:
                merged = self._merged[language] = self._merge(language)
        return merged

    def _merge(self, language: str) -> BabelTranslations:
        merged = BabelTranslations()
        for package in self.packages:
            catalog = Translations.for_package(package).language(language)
            merged.merge(catalog)
            merged.plural = catalog.plural  # merge() copies messages only; it, en: one/other either way
        return merged


class _StaffBabel(Babel):
    """Flask-Babel whose default domain is the packages' merged catalogs."""

    def __init__(self, domain: PackagesDomain, **kwargs) -> None:
        self._packages_domain = domain
        super().__init__(**kwargs)

    @property
    def domain_instance(self) -> Domain:
        return self._packages_domain


def init_staff_babel(app: Flask, language_selector: Callable[[], str | None]) -> PackagesDomain:
    """Flask-Babel on the app hosting the staff admin. `language_selector` returns "it", "en" or None
    (None: Italian, Aula's default)."""

    def locale_selector() -> str:
        language = language_selector()
        return language if language in LANGUAGES else FALLBACK

    domain = PackagesDomain()
    babel = _StaffBabel(domain)
    babel.init_app(app, default_locale=FALLBACK, locale_selector=locale_selector)
    # {{ translated(scope.title) }}: a Message made by non-web code, in the page's language (aula_shared.i18n)
    app.jinja_env.globals["translated"] = lambda text: translated(text, _flask_gettext)
    app.extensions["aula_staff_babel"] = domain
    return domain


def register_package(app: Flask, package: str) -> bool:
    """Adds a package's catalogs to the staff admin's texts; False when the package has none."""
    if not has_catalogs(package):
        return False
    app.extensions["aula_staff_babel"].add(package)
    return True


def staff_language() -> str:
    """The language of the current request's staff pages ("it" outside a request)."""
    locale = get_locale()
    return locale.language if locale is not None and locale.language in LANGUAGES else FALLBACK
