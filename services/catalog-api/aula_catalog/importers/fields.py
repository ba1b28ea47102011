"""Reading the legacy files' loosely typed values ("1° e 2", "6 / 6", "@username", "") into catalog values.

Each reader raises ImportFailed naming the record when a value cannot mean anything.
"""

from __future__ import annotations

import re
from typing import Any

from aula_catalog.importers.report import ImportFailed
from aula_catalog.importers.writer import GroupRef
from aula_catalog.models import SEMESTER_BOTH, YEAR_COHORT_GROUP, YEAR_COMPLEMENTARY, YEAR_UNASSIGNED

_INTEGER = re.compile(r"^-?\d+$")
_BOTH_SEMESTERS = re.compile(r"^1\s*°?\s*(e|,|/|-)\s*2\s*°?$")
_CFU_MODULES = re.compile(r"^\d+(\s*[/+]\s*\d+)+$")  # "6 / 6": two modules of 6 credits
_YEAR_WORDS = {"complementare": YEAR_COMPLEMENTARY, "anno accademico": YEAR_COHORT_GROUP}


def text(record: str, item: dict, key: str, *, required: bool = False, limit: int | None = None) -> str | None:
    """A string field; "" and null are None. Broken types fail the import."""
    value = item.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ImportFailed(record, f"{key!r} is missing or empty")
        return None
    if not isinstance(value, str):
        raise ImportFailed(record, f"{key!r} must be a string, got {type(value).__name__}")
    value = " ".join(value.split())
    if limit is not None and len(value) > limit:
        raise ImportFailed(record, f"{key!r} is longer than {limit} characters")
    return value


def url(record: str, item: dict, key: str, *, required: bool = False) -> str | None:
    value = text(record, item, key, required=required, limit=512)
    # The legacy data has "http: //www.fisica.unimi.it/…": no URL contains a space.
    return value.replace(" ", "") if value else None


def translated(record: str, item: dict, key: str, *, required: bool = False) -> tuple[str | None, str | None]:
    """{"it": …, "en": …} → (it, en). A plain string is Italian (the 2020 files were Italian only)."""
    value = item.get(key)
    if isinstance(value, dict):
        italian = text(f"{record}.{key}", value, "it", required=required)
        return italian, text(f"{record}.{key}", value, "en")
    return text(record, item, key, required=required), None


def year(record: str, value: Any) -> int:
    if value is None or value == "":
        return YEAR_UNASSIGNED
    if isinstance(value, bool):
        raise ImportFailed(record, f"year (anno) {value!r} is not a year")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        cleaned = value.strip().lower()
        if _INTEGER.match(cleaned):
            return int(cleaned)
        if cleaned in _YEAR_WORDS:
            return _YEAR_WORDS[cleaned]
    raise ImportFailed(record, f"year (anno) {value!r} is not a year")


def semester(record: str, value: Any) -> int:
    if value is None or value == "":
        return 0
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= SEMESTER_BOTH:
        return value
    if isinstance(value, str):
        cleaned = value.strip()
        if cleaned.isdigit() and int(cleaned) <= SEMESTER_BOTH:
            return int(cleaned)
        if _BOTH_SEMESTERS.match(cleaned):
            return SEMESTER_BOTH
    raise ImportFailed(record, f"semester (semestre) {value!r} is not 1, 2 or both")


def cfu(record: str, value: Any) -> int:
    """Credits; unknown is 0 (as in the original). "6 / 6" is a course of two 6-credit modules: 12."""
    if value is None or value == "":
        return 0
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 500:
        return value
    if isinstance(value, str):
        cleaned = value.strip()
        if cleaned.isdigit() and int(cleaned) <= 500:
            return int(cleaned)
        if _CFU_MODULES.match(cleaned):
            return sum(int(part) for part in re.split(r"[/+]", cleaned))
    raise ImportFailed(record, f"cfu {value!r} is not a number of credits")


def group_ref(record: str, chat: Any, link: Any) -> GroupRef:
    """The legacy `chat_id` (int, numeric string, "@username" or "") and `gruppo` (invite link or "")."""
    ref = GroupRef()
    if isinstance(chat, bool):
        raise ImportFailed(record, f"chat_id {chat!r} is not a chat")
    if isinstance(chat, int):
        ref.chat_id = chat
    elif isinstance(chat, str) and chat.strip():
        cleaned = chat.strip()
        if _INTEGER.match(cleaned):
            ref.chat_id = int(cleaned)
        elif cleaned.startswith("@") and len(cleaned) > 1:
            ref.username = cleaned[1:]
        else:
            raise ImportFailed(record, f"chat_id {chat!r} is neither a chat id nor an @username")
    elif chat not in (None, ""):
        raise ImportFailed(record, f"chat_id {chat!r} is not a chat")
    if link is not None and not isinstance(link, str):
        raise ImportFailed(record, f"gruppo {link!r} is not a link")
    if link and link.strip():
        ref.invite_link = link.strip()
    return ref


def course_links(record: str, websites: Any) -> list[tuple[str, str]]:
    """`websites: [{"etichetta": label, "link": url}]` → [(label, url)]; entries without a link are dropped."""
    if websites is None:
        return []
    if not isinstance(websites, list):
        raise ImportFailed(record, "'websites' must be a list")
    links = []
    for index, site in enumerate(websites):
        where = f"{record}.websites[{index}]"
        if not isinstance(site, dict):
            raise ImportFailed(where, "must be an object")
        link = url(where, site, "link")
        if link:
            links.append((text(where, site, "etichetta", limit=64) or "Link", link))
    return links
