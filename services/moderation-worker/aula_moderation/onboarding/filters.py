r"""Content filters: forbidden words and phrases (network-wide and per group), and antiflood.

Matching is case- and accent-insensitive: the text is NFKD-decomposed, combining marks dropped and case-folded,
so "CAZZÒ" matches "cazzo". A rule is a substring (MozIta's way) or a regular expression. A regular expression
keeps its own letters' case (casefolding it would turn `\W` into `\w`, `[A-Z]` into `[a-z]`); it matches
case-insensitively instead, with the `regex` package and a time limit, so that a catastrophic pattern costs a
missed match and a warning, never a stalled worker. What is validated when a rule is saved is exactly what runs.
"""

from __future__ import annotations

import functools
import logging
import unicodedata
from datetime import UTC, datetime, timedelta

import regex
from sqlalchemy import select
from sqlalchemy.orm import Session

from aula_moderation.onboarding.models import FilterRule
from aula_moderation.restrictions import service as restrictions

log = logging.getLogger(__name__)

KINDS = ("substring", "regex")
# How long one regular expression may search one message.
REGEX_SECONDS = 0.05


def _without_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def normalise(text: str) -> str:
    return _without_accents(text).casefold()


def compile_regex(pattern: str) -> regex.Pattern:
    """The expression as it runs (accents dropped like the text's, case ignored); regex.error if it is broken."""
    return regex.compile(_without_accents(pattern), regex.IGNORECASE | regex.V0)


@functools.lru_cache(maxsize=4096)
def _compiled(kind: str, pattern: str):
    if kind == "regex":
        compiled = compile_regex(pattern)

        def search(text: str) -> bool:
            try:
                return compiled.search(text, timeout=REGEX_SECONDS) is not None
            except TimeoutError:
                log.warning("filter expression too slow: skipped", extra={"pattern": pattern[:100]})
                return False

        return search
    needle = normalise(pattern)
    return lambda text: needle in text


def add_rule(session: Session, pattern: str, kind: str = "substring", chat_id: int | None = None) -> FilterRule:
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    if not pattern.strip():
        raise ValueError("empty pattern")
    if kind == "regex":
        try:
            compile_regex(pattern)  # refuse a broken expression when saved: what is checked is what runs
        except regex.error as error:
            raise ValueError(f"invalid regular expression {pattern!r}: {error}") from None
    rule = FilterRule(pattern=pattern, kind=kind, chat_id=chat_id)
    session.add(rule)
    session.flush()
    return rule


def remove_rule(session: Session, rule_id: int) -> bool:
    rule = session.get(FilterRule, rule_id)
    if rule is None:
        return False
    session.delete(rule)
    session.flush()
    return True


def rules_for(session: Session, chat_id: int) -> list[tuple[str, str]]:
    rows = session.execute(
        select(FilterRule.kind, FilterRule.pattern).where(
            (FilterRule.chat_id == chat_id) | FilterRule.chat_id.is_(None)
        )
    ).all()
    return [(kind, pattern) for kind, pattern in rows]


def first_match(rules: list[tuple[str, str]], text: str) -> str | None:
    clean = normalise(text)
    for kind, pattern in rules:
        try:
            matches = _compiled(kind, pattern)
        except regex.error:  # stored before expressions were checked as they run: skipped, never fatal
            log.warning("filter expression does not compile: skipped", extra={"pattern": pattern[:100]})
            continue
        if matches(clean):
            return pattern
    return None


def flooding(redis, chat_id: int, user_id: int, limit: int, seconds: float) -> bool:
    """Count this message in the user's window; True the moment they go over `limit` messages."""
    key = f"aula:onboarding:flood:{chat_id}:{user_id}"
    pipe = redis.pipeline()
    pipe.incr(key)
    pipe.expire(key, max(1, int(seconds)), nx=True)
    count, _ = pipe.execute()
    if count > limit:
        redis.delete(key)  # the next window starts after the mute
        return True
    return False


def mute_for_flood(session: Session, client, chat_id: int, user_id: int, seconds: float) -> bool:
    """An antiflood mute: a restriction of its own ("flood", lifted by its own timer `unflood:<chat>:<user>`), so
    that it neither shortens nor ends a staff mute running beside it (aula_moderation.restrictions)."""
    until = datetime.now(UTC) + timedelta(seconds=seconds)
    return bool(restrictions.impose(session, client, chat_id, user_id, "flood", until))
