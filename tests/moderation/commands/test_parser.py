"""The command parser: target forms, durations, reasons, stars and malformed commands."""

from __future__ import annotations

from datetime import timedelta

import pytest

from aula_moderation.commands.parser import MAX_TARGETS, Target, UsageError, parse, parse_duration


def entities_for(text: str, *spans: tuple[str, str, dict | None]) -> list[dict]:
    """Entities for substrings of text (UTF-16 offsets, as Telegram sends them)."""
    found = []
    for kind, fragment, user in spans:
        start = text.index(fragment)
        entity = {
            "type": kind,
            "offset": len(text[:start].encode("utf-16-le")) // 2,
            "length": len(fragment.encode("utf-16-le")) // 2,
        }
        if user is not None:
            entity["user"] = user
        found.append(entity)
    return found


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("30m", timedelta(minutes=30)),
        ("2h", timedelta(hours=2)),
        ("7d", timedelta(days=7)),
        ("1w", timedelta(weeks=1)),
        ("1h30m", timedelta(minutes=90)),
        ("2H", timedelta(hours=2)),
        ("spam", None),
        ("30", None),
        ("m30", None),
    ],
)
def test_durations(token, expected):
    assert parse_duration(token) == expected


def test_not_ours():
    assert parse("/start") is None
    assert parse("hello /ban @ada") is None
    assert parse("") is None


def test_reply_form_with_reason():
    command = parse("/warn spam in the group", has_reply=True)
    assert command.name == "warn"
    assert command.targets == (Target("reply", 0),)
    assert command.reason == "spam in the group"
    assert command.duration is None


def test_username_id_and_several_targets():
    text = "/ban @Ada 12345 @bob_1 flooding"
    command = parse(text, entities_for(text, ("mention", "@Ada", None)))
    assert [(t.kind, t.value) for t in command.targets] == [
        ("username", "ada"),
        ("user_id", 12345),
        ("username", "bob_1"),
    ]
    assert command.reason == "flooding"


def test_text_mention_spanning_words_with_emoji_before_it():
    text = "/mute 🙂 Mario Rossi 2h"
    user = {"id": 99, "is_bot": False, "first_name": "Mario", "last_name": "Rossi"}
    # The emoji is not a target: parsing stops there, so a mention after it is part of the reason.
    command = parse(text, entities_for(text, ("text_mention", "Mario Rossi", user)), has_reply=True)
    assert command.targets == (Target("reply", 0),)
    text = "/mute Mario Rossi 2h 🙂 rude"
    command = parse(text, entities_for(text, ("text_mention", "Mario Rossi", user)))
    assert command.targets[0].kind == "mention" and command.targets[0].value == 99
    assert command.duration == timedelta(hours=2)
    assert command.reason == "🙂 rude"


def test_utf16_offsets_after_astral_characters():
    text = "/ban 𝓐 @ada"  # 𝓐 is two UTF-16 units: the mention's offset must still land on "@ada"
    command = parse(text, entities_for(text, ("mention", "@ada", None)), has_reply=True)
    assert command.targets == (Target("reply", 0),)  # "𝓐" is not a target, so the rest is a reason
    assert command.reason == "𝓐 @ada"


def test_duration_only_for_timed_commands():
    assert parse("/mute 42 30m", ()).duration == timedelta(minutes=30)
    assert parse("/superban 42 1w", ()).duration == timedelta(weeks=1)
    kick = parse("/kick 42 30m", ())
    assert kick.duration is None and kick.reason == "30m"


def test_no_duration_is_permanent():
    command = parse("/ban 42 being rude", ())
    assert command.duration is None and command.reason == "being rude"


@pytest.mark.parametrize("token", ["0m", "367d", "9999w"])
def test_out_of_range_durations_are_refused(token):
    with pytest.raises(UsageError) as error:
        parse(f"/ban 42 {token}", ())
    assert error.value.problem == "duration"


def test_star_and_bot_suffix():
    command = parse("/ban*@aula_bot 42", ())
    assert command.star and command.bot_username == "aula_bot" and command.name == "ban"
    command = parse("/ban@aula_bot* 42", ())
    assert command.star
    assert not parse("/ban 42", ()).star


def test_missing_target_without_reply():
    with pytest.raises(UsageError) as error:
        parse("/ban", ())
    assert error.value.problem == "no_target" and error.value.command == "ban"


def test_del_needs_a_reply():
    with pytest.raises(UsageError) as error:
        parse("/del", ())
    assert error.value.problem == "needs_reply"
    assert parse("/del", (), has_reply=True).targets == (Target("reply", 0),)


def test_explicit_target_wins_over_reply_and_duplicates_collapse():
    command = parse("/kick 42 42 @ada @ADA", (), has_reply=True)
    assert [(t.kind, t.value) for t in command.targets] == [("user_id", 42), ("username", "ada")]


def test_too_many_targets():
    ids = " ".join(str(n) for n in range(1, MAX_TARGETS + 3))
    with pytest.raises(UsageError) as error:
        parse(f"/ban {ids}", ())
    assert error.value.problem == "too_many_targets"


def test_case_insensitive_command_and_negative_numbers_are_reason():
    command = parse("/BAN -100 spam", (), has_reply=True)
    assert command.name == "ban" and command.targets == (Target("reply", 0),) and command.reason == "-100 spam"


def test_ptb_entities_are_accepted():
    from telegram import MessageEntity, User

    text = "/info Ada"
    entity = MessageEntity("text_mention", 6, 3, user=User(7, "Ada", False))
    command = parse(text, [entity])
    assert command.targets[0].kind == "mention" and command.targets[0].value == 7
