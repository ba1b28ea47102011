"""Aula's gettext catalogs: `python scripts/messages.py extract|update|compile` (the make targets messages-*).

A component has texts when its project directory (shared/, services/<name>/) holds a `babel.cfg`: its package
is the `aula_*` directory next to it and its catalogs are `<package>/locale/<it|en>/LC_MESSAGES/messages.po`.
This script is the one place that knows the extraction keywords, so `make`, the Dockerfiles and the test that
compares catalogs with the sources (tests/shared/test_catalogs.py) all extract the same way.

- extract [DIR]: the messages of the sources, one `<package>.pot` per package (default: `<package>/locale/`).
- update: extract, then bring both .po files in line (new messages added, vanished ones dropped). A new
  English entry gets its msgid as text — English is the source language — and stays editable; Italian ones
  stay empty for a translator, and the catalog test fails until they are filled.
- compile: the .mo files the services load (git-ignored; `make install` and the images build them).

Needs only Babel (and Jinja2 for templates), so the images can compile before installing Aula.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("it", "en")  # aula_shared.i18n.LANGUAGES: not imported, this runs before Aula is installed
DOMAIN = "messages"
# gettext's usual rule for both (one, other). Babel's CLDR data would give Italian a third form for millions
# ("un milione di…"), which no Aula text needs and every translator would have to fill.
PLURAL_FORMS = {"it": "nplurals=2; plural=(n != 1);", "en": "nplurals=2; plural=(n != 1);"}

# Where the msgid is in each call. Aula's own API puts the language first (aula_shared.i18n.Translations:
# gettext(language, msgid), ngettext(language, singular, plural, n)); Flask code and templates use Flask-Babel's
# `_`, `_n`, `lazy_gettext`. So a bare `gettext("…")` or `ngettext("…", …)` of Flask-Babel is not found here:
# staff pages use the underscore names (tests/shared/test_text_bypass.py keeps it so).
KEYWORDS = (
    "_",
    "N_",
    "lazy_gettext",
    "_l",
    "_n:1,2",
    "lazy_ngettext:1,2",
    "gettext:2",
    "ngettext:2,3",
)


def components() -> list[tuple[Path, Path]]:
    """(project directory, package directory) of every component with a babel.cfg."""
    found = []
    for config in sorted([*ROOT.glob("shared/babel.cfg"), *ROOT.glob("services/*/babel.cfg")]):
        project = config.parent
        packages = sorted(path for path in project.glob("aula_*") if (path / "__init__.py").is_file())
        if len(packages) != 1:
            raise SystemExit(f"{project}: expected one aula_* package next to babel.cfg, found {len(packages)}")
        found.append((project, packages[0]))
    return found


def pybabel(*arguments: str | Path, cwd: Path | None = None) -> None:
    # `pybabel` of this interpreter, wherever its scripts are installed (venv, image, CI)
    command = [
        sys.executable,
        "-c",
        "from babel.messages.frontend import main; main()",
        "--quiet",
        *map(str, arguments),
    ]
    subprocess.run(command, check=True, cwd=cwd)


def extract(directory: Path | None = None) -> list[Path]:
    templates = []
    for project, package in components():
        template = (directory or package / "locale") / f"{package.name}.pot"
        template.parent.mkdir(parents=True, exist_ok=True)
        keywords = [argument for keyword in KEYWORDS for argument in ("-k", keyword)]
        options = ["-F", "babel.cfg", "--no-default-keywords", *keywords, "--sort-output", "--no-location"]
        options += ["--project", "Aula", "--copyright-holder", "Aula"]
        pybabel("extract", *options, "-o", template, package.name, cwd=project)
        templates.append(template)
    return templates


def update() -> None:
    for template, (_project, package) in zip(extract(), components(), strict=True):
        locale = package / "locale"
        for language in LANGUAGES:
            po = locale / language / "LC_MESSAGES" / f"{DOMAIN}.po"
            before = po.read_bytes() if po.exists() else b""
            action = "update" if po.exists() else "init"
            extra = ["--ignore-obsolete"] if action == "update" else []
            pybabel(action, "-i", template, "-d", locale, "-l", language, "-D", DOMAIN, "--no-wrap", *extra)
            tidy(po, language)
            if _without_dates(po.read_bytes()) == _without_dates(before):
                po.write_bytes(before)  # nothing changed but the extraction's date: keep the file as it was


def _without_dates(content: bytes) -> bytes:
    return re.sub(rb'^"POT-Creation-Date: .*$', b"", content, flags=re.MULTILINE)


def tidy(po: Path, language: str) -> None:
    """Aula's plural rule in the header; English entries without text get their msgid (the source text)."""
    from babel.messages.pofile import read_po, write_po

    with po.open("rb") as file:
        catalog = read_po(file, locale=language)
    catalog.mime_headers = [("Plural-Forms", PLURAL_FORMS[language])]
    for message in catalog:
        if not message.id or language != "en":
            continue
        untranslated = not any(message.string) if isinstance(message.id, tuple) else not message.string
        if untranslated:
            message.string = message.id
    with po.open("wb") as file:
        write_po(file, catalog, width=0, sort_output=True, omit_header=False, ignore_obsolete=True)


def compile_all() -> None:
    for _project, package in components():
        pybabel("compile", "-d", package / "locale", "-D", DOMAIN)


def main(argv: list[str]) -> None:
    commands = {"extract": lambda: extract(Path(argv[1]) if len(argv) > 1 else None), "update": update}
    commands["compile"] = compile_all
    if not argv or argv[0] not in commands:
        raise SystemExit(f"usage: {sys.argv[0]} extract [DIR] | update | compile")
    commands[argv[0]]()


if __name__ == "__main__":
    main(sys.argv[1:])
