"""Every component's gettext catalogs are complete in Italian and English, and hold exactly the messages the
sources have now (a text added without `make messages-update` fails here)."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "messages.py"
LANGUAGES = ("it", "en")
PLACEHOLDERS = re.compile(r"\{\w*\}|%\(\w+\)[sd]|%[sd]")


def _messages_script():
    spec = importlib.util.spec_from_file_location("aula_messages_script", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


COMPONENTS = _messages_script().components()
PACKAGES = [package for _project, package in COMPONENTS]


def catalog(package: Path, language: str):
    with (package / "locale" / language / "LC_MESSAGES" / "messages.po").open("rb") as file:
        return read_po(file, locale=language)


def ids(messages) -> set:
    return {message.id for message in messages if message.id}


def test_the_components_with_texts_have_catalogs():
    assert {package.name for package in PACKAGES} >= {"aula_catalog", "aula_moderation", "aula_stats"}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("package", PACKAGES, ids=lambda package: package.name)
def test_every_message_is_translated(package, language):
    po = catalog(package, language)
    assert po.num_plurals == 2, "Plural-Forms: nplurals=2; plural=(n != 1); (scripts/messages.py)"
    problems = []
    for message in po:
        if not message.id:
            continue
        forms = list(message.string) if message.pluralizable else [message.string]
        if message.fuzzy:
            problems.append(f"fuzzy (check it, then remove the flag): {message.id!r}")
        elif len(forms) != (po.num_plurals if message.pluralizable else 1) or not all(forms):
            problems.append(f"untranslated: {message.id!r}")
        else:
            source = message.id if message.pluralizable else (message.id,)
            wanted = {placeholder for text in source for placeholder in PLACEHOLDERS.findall(text)}
            for form in forms:
                if set(PLACEHOLDERS.findall(form)) - wanted - {"{n}"}:
                    problems.append(f"placeholder not in the source: {message.id!r} -> {form!r}")
                elif not message.pluralizable and set(PLACEHOLDERS.findall(form)) != wanted:
                    problems.append(f"placeholders differ: {message.id!r} -> {form!r}")
    assert not problems, f"{package.name} {language}:\n" + "\n".join(problems)


def test_the_catalogs_hold_exactly_what_the_sources_say(tmp_path):
    subprocess.run([sys.executable, str(SCRIPT), "extract", str(tmp_path)], check=True, cwd=ROOT)
    for package in PACKAGES:
        with (tmp_path / f"{package.name}.pot").open("rb") as file:
            extracted = ids(read_po(file))
        assert extracted, f"nothing extracted from {package.name}"
        for language in LANGUAGES:
            have = ids(catalog(package, language))
            assert not extracted - have, (
                f"run `make messages-update`: {package.name} {language} lacks {extracted - have}"
            )
            assert not have - extracted, (
                f"run `make messages-update`: {package.name} {language} has gone {have - extracted}"
            )
