"""Role scopes, defaults, overrides and merging (pure), plus granting through the database."""

from __future__ import annotations

import itertools

import pytest

from aula_moderation.roles.powers import RIGHTS, ChatScope, RoleGrant, clean_title, merge

DEGREE_CHAT = ChatScope(-1001, degrees=frozenset({"informatica"}), departments=frozenset({"dip-informatica"}))
OTHER_DEGREE_CHAT = ChatScope(-1002, degrees=frozenset({"fisica"}))
EXTRA_CHAT = ChatScope(-1003)


def test_scopes_follow_the_original():
    everywhere = RoleGrant("superadmin", all_groups=True)
    assert everywhere.applies_to(DEGREE_CHAT) and everywhere.applies_to(OTHER_DEGREE_CHAT)
    assert not everywhere.applies_to(EXTRA_CHAT)  # all_groups does not reach extra groups
    assert RoleGrant("moderator", extra_groups=True).applies_to(EXTRA_CHAT)
    assert not RoleGrant("moderator", extra_groups=True).applies_to(DEGREE_CHAT)
    by_degree = RoleGrant("administrator", degrees=frozenset({"informatica"}))
    assert by_degree.applies_to(DEGREE_CHAT) and not by_degree.applies_to(OTHER_DEGREE_CHAT)
    by_department = RoleGrant("administrator", departments=frozenset({"dip-informatica"}))
    assert by_department.applies_to(DEGREE_CHAT) and not by_department.applies_to(OTHER_DEGREE_CHAT)
    single = RoleGrant("moderator", chats=frozenset({-1003}))
    assert single.applies_to(EXTRA_CHAT) and not single.applies_to(DEGREE_CHAT)


def test_defaults_per_role():
    assert merge([RoleGrant("moderator", all_groups=True)], DEGREE_CHAT).commands == {"info", "del", "mute", "help"}
    admin = merge([RoleGrant("administrator", all_groups=True)], DEGREE_CHAT)
    assert admin.commands == {"info", "del", "warn", "unwarn", "kick", "mute", "ban", "free", "help"}
    assert not admin.may("superban")
    superadmin = merge([RoleGrant("superadmin", all_groups=True)], DEGREE_CHAT)
    assert superadmin.may("superban") and superadmin.may("superfree")
    assert superadmin.rights == set(RIGHTS)
    assert merge([RoleGrant("professor", all_groups=True)], DEGREE_CHAT).commands == {"help"}
    assert merge([RoleGrant("professor", all_groups=True)], DEGREE_CHAT).rights == {"can_pin_messages"}


def test_overrides_add_and_remove():
    grant = RoleGrant(
        "moderator",
        all_groups=True,
        command_overrides={"ban": True, "mute": False},
        right_overrides={"can_promote_members": True, "can_pin_messages": False},
    )
    powers = merge([grant], DEGREE_CHAT)
    assert powers.may("ban") and not powers.may("mute") and powers.may("info")
    assert "can_promote_members" in powers.rights and "can_pin_messages" not in powers.rights
    # An override on one role does not take away what another role gives.
    both = merge([grant, RoleGrant("administrator", all_groups=True)], DEGREE_CHAT)
    assert both.may("mute")


def test_merge_is_an_or_with_a_fixed_title_whatever_the_order():
    grants = [
        RoleGrant("representative", degrees=frozenset({"informatica"}), custom_title="Lista Uno"),
        RoleGrant("moderator", all_groups=True, right_overrides={"can_delete_messages": True}),
        RoleGrant("professor", degrees=frozenset({"informatica"})),
    ]
    results = {merge(order, DEGREE_CHAT) for order in itertools.permutations(grants)}
    assert len(results) == 1  # the original's merge depended on query order
    [powers] = results
    assert powers.title == "Moderatore"
    assert powers.rights == {"can_pin_messages", "can_manage_chat", "can_delete_messages"}
    assert powers.roles == ("moderator", "professor", "representative")


def test_roles_outside_the_scope_do_not_count():
    grants = [RoleGrant("superadmin", all_groups=True), RoleGrant("moderator", extra_groups=True)]
    assert merge(grants, EXTRA_CHAT).roles == ("moderator",)
    assert merge(grants, EXTRA_CHAT).title == "Moderatore"
    assert not merge([RoleGrant("moderator", degrees=frozenset({"x"}))], DEGREE_CHAT).is_staff


def test_promote_params_cover_the_eight_rights():
    params = merge([RoleGrant("administrator", all_groups=True)], DEGREE_CHAT).promote_params()
    assert set(params) == set(RIGHTS)
    assert params["can_change_info"] and params["can_pin_messages"] and not params["can_restrict_members"]


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("CdA Network", "CdA Network"),
        ("🎓 Rappresentante", "Rappresentante"),
        ("Presidente del Consiglio", "Presidente del C"),
        ("👨‍🏫 Docente ✨", "Docente"),
        ("Модератор", "Модератор"),
    ],
)
def test_titles_are_what_telegram_accepts(title, expected):
    assert clean_title(title) == expected
    assert len(clean_title(title)) <= 16


def test_grants_in_the_database_merge_the_same_way(migrated_pg, clean_tables):
    from aula_moderation.chats import records as chats
    from aula_moderation.roles import grants
    from aula_shared.db import session_scope

    with session_scope(migrated_pg) as session:
        chats.set_scopes(session, -1001, ["informatica"], ["dip-informatica"])
        grants.grant(session, 5, "moderator", degrees=["informatica"], command_overrides={"ban": True})
        _row, created = grants.grant(session, 5, "moderator", departments=["dip-informatica"])
        assert not created
        grants.grant(session, 5, "professor", extra_groups=True)
        grants.grant(session, 6, "administrator", chats=[-1003])
    with session_scope(migrated_pg) as session:
        powers = grants.powers(session, 5, -1001)
        assert powers.may("ban") and powers.may("mute") and powers.roles == ("moderator",)
        assert grants.powers(session, 5, -1003).roles == ("professor",)
        assert grants.staff_for(session, -1003) == [5, 6]
        assert grants.staff_for(session, -1003, ("administrator",)) == [6]
        assert grants.revoke(session, 5, "professor") == 1
    with session_scope(migrated_pg) as session:
        assert not grants.powers(session, 5, -1003).is_staff
        with pytest.raises(ValueError):
            grants.grant(session, 5, "king")
