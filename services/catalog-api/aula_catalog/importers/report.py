"""What an import did, and how a broken input is reported."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

# The order entities are printed in.
ENTITIES = (
    "departments",
    "degrees",
    "degree links",
    "main groups",
    "courses",
    "course degrees",
    "course links",
    "telegram groups",
    "telegram users",
    "representatives",
    "group admins",
    "featured groups",
)


class ImportFailed(Exception):
    """The input is not what the importer reads; nothing was written.

    `record` says where (e.g. `departments[0].cdls[2].courses[5] ("Logica")`), `reason` what is wrong.
    """

    def __init__(self, record: str, reason: str) -> None:
        super().__init__(f"{record}: {reason}" if record else reason)
        self.record = record
        self.reason = reason


@dataclass
class ImportReport:
    """Counts per entity, and every record that was skipped or needs a second look, with the reason."""

    source: str
    added: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)
    removed: Counter[str] = field(default_factory=Counter)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)

    def count(self, entity: str, outcome: str) -> None:
        {"added": self.added, "updated": self.updated, "unchanged": self.unchanged, "removed": self.removed}[outcome][
            entity
        ] += 1

    def skip(self, record: str, reason: str) -> None:
        self.skipped.append((record, reason))

    def note(self, record: str, message: str) -> None:
        self.notes.append((record, message))

    @property
    def changed(self) -> bool:
        return bool(sum(self.added.values()) or sum(self.updated.values()) or sum(self.removed.values()))

    def skipped_by_reason(self) -> Counter[str]:
        return Counter(reason for _record, reason in self.skipped)

    def lines(self) -> list[str]:
        """The operator's summary: one line per entity, then skips grouped by reason, then notes."""
        out = [f"imported {self.source}"]
        seen = set(self.added) | set(self.updated) | set(self.unchanged) | set(self.removed)
        for entity in (*ENTITIES, *sorted(seen - set(ENTITIES))):
            if entity not in seen:
                continue
            parts = [
                f"{self.added[entity]} added",
                f"{self.updated[entity]} updated",
                f"{self.unchanged[entity]} unchanged",
            ]
            if self.removed[entity]:
                parts.append(f"{self.removed[entity]} removed")
            out.append(f"  {entity}: {', '.join(parts)}")
        if self.skipped:
            out.append(f"  skipped: {len(self.skipped)}")
            for reason, count in self.skipped_by_reason().most_common():
                examples = [record for record, why in self.skipped if why == reason][:3]
                more = ", …" if count > len(examples) else ""
                out.append(f"    {count} x {reason} (e.g. {'; '.join(examples)}{more})")
        for record, message in self.notes:
            out.append(f"  note: {record}: {message}")
        if not self.changed:
            out.append("  nothing changed")
        return out
