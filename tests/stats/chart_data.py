"""Known data for the charts' tests: three groups of two degrees of one department, over three days.

Ada writes twice in Algebra and once in Analisi on 2025-11-21 (one active user for the degree "mat", which has
both), Carl joins Fisica that day and leaves the next, when Bea writes once in Algebra; four moderation cases
fall in the range, one after it. test_reports.py states what each query returns.
"""

from __future__ import annotations

from datetime import date

from stats.updates import DAY, ingest, joined, left, message, user

from aula_shared.db import session_scope
from aula_stats.catalog_structure import Structure, apply_structure
from aula_stats.moderation_actions import CaseEvent, record_action
from aula_stats.reports import DateRange

NEXT_DAY = DAY + 86400
DAY_1, DAY_2, DAY_3 = date(2025, 11, 20), date(2025, 11, 21), date(2025, 11, 22)  # DAY is 2025-11-21
RANGE = DateRange(DAY_1, DAY_3)
ALGEBRA, ANALISI, FISICA = -401, -402, -403
ADA, BEA, CARL = user(41, "Ada"), user(42, "Bea"), user(43, "Carl")
STRUCTURE = {
    "published_at": "2026-11-22T10:00:00Z",
    "departments": [{"slug": "scienze", "name": "Scienze"}],
    "degrees": [
        {"slug": "mat", "name": "Matematica", "department": "scienze"},
        {"slug": "fis", "name": "Fisica", "department": "scienze"},
    ],
    "groups": [
        {"chat_id": ALGEBRA, "degrees": ["mat"]},
        {"chat_id": ANALISI, "degrees": ["mat", "fis"]},
        {"chat_id": FISICA, "degrees": ["fis"]},
    ],
}


def case(case_id: int, action: str, at: str, chat_id: int | None) -> dict:
    return {"case_id": case_id, "at": at, "chat_id": chat_id, "action": action, "target_user_id": 41}


def load_known_data(stats_url: str) -> None:
    ingest(
        stats_url,
        message(ALGEBRA, ADA),
        message(ALGEBRA, ADA),
        message(ANALISI, ADA),  # Ada writes in two of mat's chats: one active user for the degree
        joined(FISICA, CARL),
        message(ALGEBRA, BEA, NEXT_DAY),
        left(FISICA, CARL, NEXT_DAY),
    )
    with session_scope(stats_url) as session:
        apply_structure(session, Structure.parse(STRUCTURE))
        for event in (
            case(1, "MODERATION_BAN", "2025-11-21T09:00:00Z", ALGEBRA),
            case(2, "MODERATION_BAN", "2025-11-21T10:00:00Z", ANALISI),
            case(3, "MODERATION_WARN", "2025-11-22T10:00:00Z", ANALISI),
            case(4, "MODERATION_SUPERBAN", "2025-11-22T11:00:00Z", None),
            case(5, "MODERATION_BAN", "2025-11-23T11:00:00Z", ALGEBRA),  # after the range
        ):
            record_action(session, CaseEvent.parse(event))
