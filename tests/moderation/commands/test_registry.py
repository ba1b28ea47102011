"""The command registry: a command declared once, and the parser, roles, the log, stats, /help and the dispatcher
all derived from the declaration — so that adding a command touches only its declaration, its handler and tests."""

from __future__ import annotations

import inspect
from dataclasses import replace

import pytest

from aula_moderation import command_registry as registry
from aula_moderation.commands import help as help_command
from aula_moderation.commands.parser import command_name, parse
from aula_moderation.log import log_chat, stats_events
from aula_moderation.roles.powers import DEFAULT_COMMANDS, ROLES, ChatScope, RoleGrant, merge

EVERYWHERE = ChatScope(-1001, degrees=frozenset({"informatica"}))


@pytest.mark.parametrize("spec", registry.COMMANDS, ids=lambda spec: spec.name)
def test_every_declared_command_is_parsed_resolved_and_logged(spec):
    assert command_name(f"/{spec.name}@aula_bot") == (spec.name, False, "aula_bot")
    handler = registry.handler_of(spec)
    assert callable(handler)
    if spec.targets:  # called once per person named, with the evidence of the replied message
        assert list(inspect.signature(handler).parameters)[:2] == ["scene", "target"]
        assert parse(f"/{spec.name} @ada_l", has_reply=True).name == spec.name  # /del needs a reply
    else:
        assert parse(f"/{spec.name} @ada_l") is None  # free-form: the handler reads its own arguments
        assert list(inspect.signature(handler).parameters) == ["context"]
    if spec.event:
        assert log_chat.EVENTS[spec.event] == spec.emoji
        assert (spec.event in stats_events.PUBLISHED_EVENTS) == spec.stats


def test_durations_are_taken_only_by_commands_declared_with_them():
    timed = {spec.name for spec in registry.COMMANDS if spec.duration}
    assert timed == {"mute", "ban", "superban"}
    for name in registry.TARGETED:
        command = parse(f"/{name} @ada_l 2h why", has_reply=True)
        assert (command.duration is not None) == (name in timed)
        assert command.reason == ("why" if name in timed else "2h why")


def test_each_roles_defaults_come_from_the_declarations():
    for role in ROLES:
        assert DEFAULT_COMMANDS[role] == {spec.name for spec in registry.COMMANDS if role in spec.roles}
    assert DEFAULT_COMMANDS["moderator"] == {"info", "del", "mute", "help"}
    assert "claim" not in DEFAULT_COMMANDS["superadmin"]  # anyone may /claim: it is no role's to grant


def test_a_new_declaration_is_known_everywhere_at_once(monkeypatch):
    """What the README's walkthrough relies on: one entry in COMMANDS and nothing else to edit."""
    extra = replace(registry.BY_NAME["unwarn"], name="pardon", roles=frozenset({"moderator"}))
    commands = (*registry.COMMANDS, extra)
    monkeypatch.setattr(registry, "COMMANDS", commands)
    monkeypatch.setattr(registry, "BY_NAME", {spec.name: spec for spec in commands})
    assert registry.find("PARDON") is extra
    assert registry.default_commands("moderator") >= {"pardon"}
    powers = merge([RoleGrant("moderator", all_groups=True)], EVERYWHERE)
    assert "/pardon @user|id [reason]" in help_command.help_text(
        replace(powers, commands=powers.commands | {"pardon"}), "en"
    )


def test_help_lists_only_what_the_powers_allow():
    moderator = merge([RoleGrant("moderator", all_groups=True)], EVERYWHERE)
    text = help_command.help_text(moderator, "it")
    assert "Comandi che puoi usare qui" in text
    assert "/mute @user|id [duration] [reason]" in text and "/claim" in text
    assert "/ban" not in text and "/warn" not in text
