"""Importers: the website's legacy JSON and the unimi-scraper's lists, each in one transaction.

`run_import` reads a file and applies it; a broken file raises ImportFailed and leaves the database as it
was. Running the same file twice changes nothing the second time.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy.orm import Session

from aula_catalog.importers.legacy import import_legacy
from aula_catalog.importers.report import ImportFailed, ImportReport
from aula_catalog.importers.scraper import import_courses, import_degrees
from aula_shared.db import session_scope

__all__ = ["IMPORTERS", "ImportFailed", "ImportReport", "import_legacy", "run_import"]

IMPORTERS: dict[str, Callable[..., ImportReport]] = {
    "legacy": import_legacy,
    "degrees": import_degrees,
    "courses": import_courses,
}


class _DryRun(Exception):
    def __init__(self, report: ImportReport) -> None:
        self.report = report


def read_json(path: Path) -> Any:
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ImportFailed("", f"cannot read {path}: {error.strerror}") from None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise ImportFailed("", f"not JSON: {error}") from None


def run_import(database_url: str, kind: str, path: Path, *, dry_run: bool = False, **options: Any) -> ImportReport:
    data = read_json(path)
    importer = IMPORTERS[kind]
    try:
        with session_scope(database_url) as session:
            report = apply(session, importer, data, source=path.name, **options)
            if dry_run:
                raise _DryRun(report)
    except _DryRun as dry:
        return dry.report
    return report


def apply(session: Session, importer: Callable[..., ImportReport], data: Any, **options: Any) -> ImportReport:
    """Run an importer inside the caller's transaction."""
    report = importer(session, data, **options)
    session.flush()
    return report
