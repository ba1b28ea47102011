"""Shared test data for the catalog: where the legacy files are, and the standard data set the API tests read."""

from __future__ import annotations

from pathlib import Path

from aula_catalog.importers import run_import

ROOT = Path(__file__).resolve().parents[2]
SHELF = ROOT.parent / "shared"  # the team's read-only shelf (as in tests/conftest.py)
LEGACY = SHELF / "legacy-data"

# What `load_standard_catalog` imports, in order: the website's last full dataset, the scraper's lists, the
# degree links and the 2023 featured groups.
STANDARD_IMPORTS = (
    ("legacy", "src/data/Data.json", {}),
    ("degrees", "scraper/degree_data.json", {}),
    ("courses", "scraper/course_data.json", {}),
    ("legacy", "data/DegreeInformations.json", {}),
    ("legacy", "data/groups/Groups.json", {"category": "u"}),
    ("legacy", "data/groups/Announcements.json", {"category": "a"}),
    ("legacy", "data/groups/StudentsAssociations.json", {"category": "s"}),
)


def load_standard_catalog(database_url: str) -> None:
    for kind, relative, options in STANDARD_IMPORTS:
        run_import(database_url, kind, LEGACY / relative, **options)
