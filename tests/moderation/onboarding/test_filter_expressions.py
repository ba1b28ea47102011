"""Staff's regular expressions run as written (case ignored, not case-folded: `\\W` stays "not a word character"),
with a time limit, and are checked on save exactly as they run."""

from __future__ import annotations

import logging

import pytest

from aula_moderation.onboarding import filters


def matches(pattern: str, text: str) -> bool:
    return filters.first_match([("regex", pattern)], text) == pattern


@pytest.mark.parametrize(
    "pattern, text, expected",
    [
        (r"spam\W+link", "SPAM!!! link", True),  # casefolded, \W became \w: this never matched
        (r"spam\W+link", "spamlink", False),
        (r"t\.me/\S+", "join t.me/Scam_Group now", True),  # \S became \s
        (r"\d{3}\D\d{4}", "call 333-1234", True),  # \D became \d
        (r"\bfree\b", "freedom", False),  # \B… \b stays a boundary
        (r"[A-Z]{3}COIN", "buy ABCCOIN", True),  # case ignored, as for substrings
        (r"cazzò", "che CAZZO dici", True),  # accents dropped on both sides
        (r"fine\Z", "è la fine", True),  # \Z became \z: raised at match time, every message dead-lettered
    ],
)
def test_an_expression_means_what_it_says(pattern, text, expected):
    assert matches(pattern, text) is expected


def test_a_catastrophic_expression_gives_up_instead_of_stalling_the_worker(caplog):
    with caplog.at_level(logging.WARNING, logger="aula_moderation.onboarding.filters"):
        assert not matches(r"(a|aa)+$", "a" * 40 + "!")  # exponential backtracking
    assert "too slow" in caplog.text


def test_a_broken_expression_is_refused_on_save_and_skipped_if_found_stored(caplog):
    with pytest.raises(ValueError, match="invalid regular expression"):
        filters.add_rule(None, r"(unclosed", kind="regex")
    with caplog.at_level(logging.WARNING, logger="aula_moderation.onboarding.filters"):
        assert filters.first_match([("regex", r"(unclosed"), ("substring", "spam")], "spam here") == "spam"
    assert "does not compile" in caplog.text
