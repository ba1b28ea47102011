"""`aula onboarding import-filters FILE`: load a forbidden-word list (MozIta's parole_vietate.json, or one
pattern a line) as filter rules, network-wide unless `--chat` names groups. Idempotent: a rule already there
is counted, not added twice. Every entry goes through filters.add_rule, in one transaction: a bad entry stores
nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from sqlalchemy import select

from aula_moderation.chats import settings as group_settings
from aula_moderation.chats.models import ManagedChat, OnboardingSettings
from aula_moderation.onboarding import filters, settings
from aula_moderation.onboarding.models import FilterRule
from aula_shared.cli import OperatorError
from aula_shared.cli import settings as aula_settings
from aula_shared.db import session_scope


def read_patterns(path: Path) -> list[str]:
    """A JSON array of strings, or a text file with one pattern a line (blank lines and # comments skipped)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise OperatorError(f"cannot read {path}: {error}") from None
    if text.lstrip().startswith("["):
        try:
            patterns = json.loads(text)
        except json.JSONDecodeError as error:
            raise OperatorError(f"{path} is not valid JSON: {error}") from None
        if not all(isinstance(p, str) for p in patterns):
            raise OperatorError(f"{path}: the JSON array must hold only strings")
        return patterns
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def import_rules(session, patterns: list[str], kind: str, chat_id: int | None) -> tuple[int, int]:
    """(added, already there) for one scope."""
    scope = FilterRule.chat_id.is_(None) if chat_id is None else FilterRule.chat_id == chat_id
    existing = set(session.scalars(select(FilterRule.pattern).where(scope, FilterRule.kind == kind)))
    added = 0
    for number, pattern in enumerate(patterns, 1):
        if pattern in existing:
            continue
        try:
            filters.add_rule(session, pattern, kind, chat_id)
        except ValueError as error:
            raise OperatorError(f"entry {number} ({pattern!r}): {error}; nothing imported") from None
        existing.add(pattern)
        added += 1
    return added, len(patterns) - added


def set_mode(session, mode: str, chat_ids: tuple[int, ...]) -> str:
    """The named groups get `mode` as their own; without names, the network does (every group without a mode of
    its own follows it, now and when added later). What was done, in words."""
    if chat_ids:
        for chat_id in chat_ids:
            settings.save(session, chat_id, filter_mode=mode)
        return f"filter mode {mode} set in {len(chat_ids)} group(s)"
    group_settings.set_network(session, changed_by="cli", filter_mode=mode)
    own = sum(1 for row in session.scalars(select(OnboardingSettings)) if "filter_mode" in (row.config or {}))
    kept_note = f"; {own} group(s) keep their own" if own else ""
    return f"filter mode {mode} set for the network{kept_note}"


@click.command("import-filters", context_settings={"ignore_unknown_options": True})
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--kind",
    type=click.Choice(filters.KINDS),
    default="substring",
    show_default=True,
    help="How each entry matches: a word or phrase anywhere in the text, or a regular expression.",
)
@click.option(
    "--chat",
    "chat_ids",
    multiple=True,
    type=int,
    help="Rules of this managed group only (repeatable); default: network-wide.",
)
@click.option("--mode", type=click.Choice(settings.CHOICES["filter_mode"]),
              help="Also set what a match does: in the --chat groups, or else for the network (every group "
              "without a mode of its own follows it).")  # fmt: skip
def import_filters(file: Path, kind: str, chat_ids: tuple[int, ...], mode: str | None) -> None:
    """Import forbidden words or phrases as filter rules (network-wide by default)."""
    patterns = read_patterns(file)
    with session_scope(aula_settings().database_url_for("moderation")) as session:
        for chat_id in chat_ids:
            chat = session.get(ManagedChat, chat_id)
            if chat is None or not chat.managed:
                raise OperatorError(f"chat {chat_id} is not managed; see `aula groups add`")
        added = kept = 0
        for chat_id in chat_ids or (None,):
            done = import_rules(session, patterns, kind, chat_id)
            added, kept = added + done[0], kept + done[1]
        where = "network-wide" if not chat_ids else f"in {len(chat_ids)} group(s)"
        click.echo(f"{added} rules added, {kept} already there ({len(patterns)} in {file.name}, {kind}, {where})")
        if mode is not None:
            click.echo(set_mode(session, mode, chat_ids))


def commands() -> list[tuple[str, click.Command]]:
    return [("onboarding", import_filters)]
