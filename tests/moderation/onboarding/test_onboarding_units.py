"""Onboarding's pure parts and its database rules: template validation and rendering, filter matching, settings
validation, the math question, trust transitions, the welcome period, the migration's tables."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from conftest import SHELF
from sqlalchemy import event, inspect

from aula_moderation.chats import records as chats
from aula_moderation.chats import settings as group_settings
from aula_moderation.onboarding import captcha, filters, settings, trust, welcome
from aula_moderation.onboarding.models import Trust, WelcomeSent
from aula_moderation.roles import grants
from aula_shared.db import engine_for, session_scope

MOZITA = SHELF / "research/seed-data/mozita-antispam/parole_vietate.json"


# -- welcome templates ------------------------------------------------------------------------------------------


def test_a_template_keeps_telegram_tags_and_escapes_everything_else():
    clean = welcome.validate(
        '<b>Hi</b> <i>{first}</i> <script>alert(1)</script> <a href="https://x.org" onclick="x">l</a>'
    )
    assert "<b>Hi</b>" in clean and "<i>{first}</i>" in clean
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in clean
    assert '<a href="https://x.org">l</a>' in clean  # the attribute Telegram does not know is dropped
    assert welcome.validate("<b>open") == "<b>open</b>"  # closed, or Telegram refuses the message
    assert welcome.validate('<span class="tg-spoiler">s</span>') == '<span class="tg-spoiler">s</span>'
    assert welcome.validate("<span>x</span>").startswith("&lt;span&gt;")
    assert welcome.validate("a < b & c") == "a &lt; b &amp; c"


def test_unknown_variables_and_bad_buttons_are_refused_when_saved():
    with pytest.raises(ValueError, match="unknown variable"):
        welcome.validate("Ciao {nome}")
    with pytest.raises(ValueError, match="at most 4"):
        welcome.validate_buttons([["a", "https://a"]] * 5)
    with pytest.raises(ValueError, match="link"):
        welcome.validate_buttons([["a", "javascript:alert(1)"]])


def test_render_escapes_values_and_greets_in_the_plural():
    ada = SimpleNamespace(id=1, first_name="Ada <3", username=None)
    bob = SimpleNamespace(id=2, first_name="Bob", username="bob")
    one = welcome.render("{greetings} {first} in {title} {mention}", "it", users=[ada], title="A & B")
    assert one.startswith("Benvenuto Ada &lt;3 in A &amp; B") and 'href="tg://user?id=1"' in one
    many = welcome.render("{greetings} {mention}", "it", users=[ada, bob], title="")
    assert many.startswith("Benvenuti") and "tg://user?id=2" in many


# -- filters ----------------------------------------------------------------------------------------------------


def test_filters_are_case_and_accent_insensitive_substrings_or_regexes():
    mozita = [("substring", word) for word in json.loads(MOZITA.read_text(encoding="utf-8"))]
    assert filters.first_match(mozita, "Che STRONZATA") == "stronz"
    assert filters.first_match(mozita, "ma vaffanculò") == "vaffanculo"
    assert filters.first_match(mozita, "👍 tutto bene") is None
    assert filters.first_match(mozita, "🖕") == "🖕"
    rules = [("regex", r"t\.me/\w+")]
    assert filters.first_match(rules, "join T.ME/spam") and not filters.first_match(rules, "t.me")


# -- settings and the math question -----------------------------------------------------------------------------


def test_settings_accept_only_known_keys_values_and_choices():
    assert settings.validate({"captcha": "math", "captcha_timeout": 60, "welcome": True}) == {
        "captcha": "math", "captcha_timeout": 60, "welcome": True,
    }  # fmt: skip
    for bad in ({"captcha": "audio"}, {"captcha_timeout": -1}, {"welcome": "yes"}, {"nope": 1}):
        with pytest.raises(ValueError):
            settings.validate(bad)


def test_the_math_question_has_four_distinct_options_with_the_answer():
    for seed in range(50):
        question, answer, options = captcha.math_question(random.Random(seed))
        a, b = (int(n) for n in question.split(" + "))
        assert answer == str(a + b) and answer in options and len(set(options)) == 4


# -- trust and the welcome period, on PostgreSQL ----------------------------------------------------------------


@pytest.fixture
def db(migrated_pg):
    with engine_for(migrated_pg).begin() as connection:
        connection.exec_driver_sql(
            "TRUNCATE moderation_trust, moderation_welcomes_sent, moderation_roles, moderation_onboarding_settings, "
            "moderation_chats, moderation_network_settings"
        )
    return migrated_pg


def test_the_migration_creates_onboarding_tables(db):
    tables = set(inspect(engine_for(db)).get_table_names())
    assert {
        "moderation_onboarding_settings", "moderation_welcome_templates", "moderation_welcomes_sent",
        "moderation_captchas", "moderation_trust", "moderation_filter_rules", "moderation_appeals",
    } <= tables  # fmt: skip


def test_a_batch_primes_the_settings_of_its_chats_in_one_query(db, monkeypatch):
    monkeypatch.setattr(group_settings, "_cache", {})
    monkeypatch.setattr(group_settings, "_network_cache", {})
    for chat_id in (-101, -102):
        chats.manage(db, chat_id, 1, "A group", "it")
    with session_scope(db) as session:
        settings.save(session, -101, captcha="math")
    queries = []

    def count(_connection, _cursor, statement, *_rest) -> None:
        queries.append(statement)

    with session_scope(db) as session:
        event.listen(session.connection(), "before_cursor_execute", count)
        settings.prime(session, db, [-101, -102])
        settings.prime(session, db, [-101, -102])  # both fresh now: no query
    assert len(queries) == 2  # the network's values (cached apart) and both groups' own, both stores at once
    with session_scope(db) as session:
        settings.save(session, -102, welcome=True)  # within CACHE_SECONDS, the primed values are served
    assert settings.cached(db, -101)["captcha"] == "math" and settings.cached(db, -102)["welcome"] is False
    monkeypatch.setattr(group_settings, "CACHE_SECONDS", 0.0)
    assert settings.cached(db, -102)["welcome"] is True


def test_trust_ladder_staff_trusted_and_auto_verification(db):
    config = {**settings.DEFAULTS, "verify_after_messages": 2, "verify_after_days": 7}
    with session_scope(db) as session:
        assert trust.level(session, 1) == trust.UNKNOWN
        trust.accept_rules(session, 1)
        assert trust.level(session, 1) == trust.PROBATION
        assert not trust.count_clean_message(session, 1, config)
        assert trust.count_clean_message(session, 1, config)  # the second clean message verifies
        assert trust.level(session, 1) == trust.VERIFIED
        trust.accept_rules(session, 1)
        assert trust.level(session, 1) == trust.VERIFIED  # accepting again never demotes
        grants.grant(session, 2, "professor", extra_groups=True)
        assert trust.level(session, 2) == trust.VERIFIED  # special users are trusted from the start
        session.add(Trust(user_id=3, level="probation", accepted_at=datetime.now(UTC) - timedelta(days=8)))
        session.flush()
        assert trust.count_clean_message(session, 3, config)  # enough days
        row = trust.accept_rules(session, 4)
        assert 29 <= trust.seconds_until_confirmable(row, 30) <= 30


def test_one_welcome_per_user_per_chat_per_period(db):
    with session_scope(db) as session:
        assert welcome.claim(session, -1, 7, 3600)
        assert not welcome.claim(session, -1, 7, 3600)
        assert welcome.claim(session, -2, 7, 3600)  # per chat
        session.get(WelcomeSent, (-1, 7)).sent_at = datetime.now(UTC) - timedelta(hours=2)
        session.flush()
        assert welcome.claim(session, -1, 7, 3600)  # the period is over
