"""Member state kept like Telegram keeps it: bans, kicks, mutes that expire, promotions and titles."""

from __future__ import annotations

import pytest
from tgsim.conftest import ADA, BASIC_GROUP, BOB, BOT_ID, GROUP, OTHER_BOT_ID, OTHER_BOT_TOKEN, OWNER, api, ok

from aula_tgsim.testing import SimClient

MUTED = {"can_send_messages": False}


def member(tg: SimClient, user_id: int, chat_id: int = GROUP) -> dict:
    return ok(tg, "getChatMember", chat_id=chat_id, user_id=user_id)


def test_ban_then_unban(scene: SimClient) -> None:
    assert ok(scene, "banChatMember", chat_id=GROUP, user_id=ADA) is True
    assert member(scene, ADA) == {
        "user": {"id": ADA, "is_bot": False, "first_name": "Ada", "username": "ada_lovelace", "language_code": "it"},
        "status": "kicked",
        "until_date": 0,
    }
    removed = [m["message"] for m in scene.messages(GROUP) if m["service"]]
    assert removed[-1]["left_chat_member"]["id"] == ADA and removed[-1]["from"]["id"] == BOT_ID
    assert ok(scene, "unbanChatMember", chat_id=GROUP, user_id=ADA, only_if_banned=True) is True
    assert member(scene, ADA)["status"] == "left"


def test_a_temporary_ban_lapses_when_its_time_comes(scene: SimClient) -> None:
    until = scene.now() + 3600
    ok(scene, "banChatMember", chat_id=GROUP, user_id=ADA, until_date=until)
    assert member(scene, ADA) | {"user": None} == {"user": None, "status": "kicked", "until_date": until}
    scene.advance_clock(3601)
    assert member(scene, ADA)["status"] == "left"


def test_unban_without_only_if_banned_kicks_a_present_member(scene: SimClient) -> None:
    ok(scene, "unbanChatMember", chat_id=GROUP, user_id=BOB, only_if_banned=True)
    assert member(scene, BOB)["status"] == "member"  # only_if_banned leaves members alone
    ok(scene, "unbanChatMember", chat_id=GROUP, user_id=BOB)
    assert member(scene, BOB)["status"] == "left"  # the plain call guarantees they are out: a kick
    assert scene.join(GROUP, BOB)["message"]["new_chat_members"][0]["id"] == BOB  # and they may come back


def test_a_mute_with_until_date_expires(scene: SimClient) -> None:
    until = scene.now() + 3600
    ok(scene, "restrictChatMember", chat_id=GROUP, user_id=ADA, permissions=MUTED, until_date=until)
    muted = member(scene, ADA)
    assert muted["status"] == "restricted" and muted["until_date"] == until and muted["is_member"] is True
    assert muted["can_send_messages"] is False and muted["can_send_photos"] is False
    with pytest.raises(Exception, match="may not send messages"):
        scene.send_text(GROUP, ADA, "posso parlare?")
    scene.advance_clock(3601)
    assert member(scene, ADA)["status"] == "member"
    assert scene.send_text(GROUP, ADA, "ora sì")["message"]["text"] == "ora sì"


@pytest.mark.parametrize("offset", [0, 10, 29, 367 * 24 * 3600])
def test_until_date_too_close_or_too_far_means_forever(scene: SimClient, offset: int) -> None:
    until = scene.now() + offset if offset else 0
    ok(scene, "restrictChatMember", chat_id=GROUP, user_id=ADA, permissions=MUTED, until_date=until)
    assert member(scene, ADA)["until_date"] == 0
    scene.advance_clock(400 * 24 * 3600)
    assert member(scene, ADA)["status"] == "restricted"


def test_restrict_is_for_supergroups_only(scene: SimClient) -> None:
    scene.add_chat(BASIC_GROUP, "group", members=[{"user_id": BOT_ID, "status": "administrator"}, {"user_id": ADA}])
    status, body = api(scene, "restrictChatMember", chat_id=BASIC_GROUP, user_id=ADA, permissions=MUTED)
    assert (status, body["description"]) == (400, "Bad Request: method is available only for supergroups")


def test_unban_is_for_supergroups_only(scene: SimClient) -> None:
    scene.add_chat(BASIC_GROUP, "group", members=[{"user_id": BOT_ID, "status": "administrator"}, {"user_id": ADA}])
    status, body = api(scene, "unbanChatMember", chat_id=BASIC_GROUP, user_id=ADA)
    assert (status, body["description"]) == (400, "Bad Request: method is available only for supergroups")
    ok(scene, "banChatMember", chat_id=BASIC_GROUP, user_id=ADA)  # there, a ban is how a member is removed
    assert scene.member(BASIC_GROUP, ADA)["status"] == "kicked"


def test_granting_what_the_chat_grants_lifts_the_restriction(scene: SimClient) -> None:
    ok(scene, "restrictChatMember", chat_id=GROUP, user_id=ADA, permissions=MUTED)
    everything = {name: True for name in member(scene, ADA) if name.startswith("can_")}
    ok(scene, "restrictChatMember", chat_id=GROUP, user_id=ADA, permissions=everything)
    assert member(scene, ADA)["status"] == "member"


def test_dependent_permissions_unless_independent(scene: SimClient) -> None:
    ok(scene, "restrictChatMember", chat_id=GROUP, user_id=ADA, permissions={"can_send_other_messages": True})
    implied = member(scene, ADA)
    assert implied["can_send_messages"] and implied["can_send_photos"] and not implied["can_send_polls"]
    ok(
        scene,
        "restrictChatMember",
        chat_id=GROUP,
        user_id=ADA,
        permissions={"can_send_other_messages": True},
        use_independent_chat_permissions=True,
    )
    independent = member(scene, ADA)
    assert independent["can_send_other_messages"] and not independent["can_send_messages"]


def test_promote_title_and_demote(scene: SimClient) -> None:
    scene.set_member(GROUP, BOT_ID, "administrator", rights={"can_promote_members": True, "can_invite_users": True})
    ok(scene, "promoteChatMember", chat_id=GROUP, user_id=ADA, can_invite_users=True)
    promoted = member(scene, ADA)
    assert promoted["status"] == "administrator" and promoted["can_be_edited"] is True
    assert promoted["can_invite_users"] and promoted["can_manage_chat"] and not promoted["can_delete_messages"]
    ok(scene, "setChatAdministratorCustomTitle", chat_id=GROUP, user_id=ADA, custom_title="Rappresentante")
    assert member(scene, ADA)["custom_title"] == "Rappresentante"
    administrators = ok(scene, "getChatAdministrators", chat_id=GROUP)
    assert [a["user"]["id"] for a in administrators] == [OWNER, BOT_ID, ADA]
    ok(scene, "promoteChatMember", chat_id=GROUP, user_id=ADA)  # every right false: demoted
    assert member(scene, ADA)["status"] == "member"


def test_a_bot_cannot_grant_rights_it_lacks(scene: SimClient) -> None:
    scene.set_member(GROUP, BOT_ID, "administrator", rights={"can_promote_members": True})
    status, body = api(scene, "promoteChatMember", chat_id=GROUP, user_id=ADA, can_delete_messages=True)
    assert (status, body["description"]) == (400, "Bad Request: RIGHT_FORBIDDEN")


@pytest.mark.parametrize(
    ("title", "description"),
    [
        ("Rappresentante CdL", "Bad Request: ADMIN_RANK_INVALID"),  # 18 characters
        ("Prof 🎓", "Bad Request: ADMIN_RANK_EMOJI_NOT_ALLOWED"),
    ],
)
def test_custom_titles_are_short_and_without_emoji(scene: SimClient, title: str, description: str) -> None:
    scene.set_member(GROUP, ADA, "administrator", rights={"can_invite_users": True}, promoted_by=BOT_ID)
    status, body = api(scene, "setChatAdministratorCustomTitle", chat_id=GROUP, user_id=ADA, custom_title=title)
    assert (status, body["description"]) == (400, description)


def test_custom_titles_only_for_admins_the_bot_promoted(scene: SimClient) -> None:
    scene.set_member(GROUP, BOB, "administrator", rights={"can_invite_users": True})  # promoted by a human
    status, body = api(scene, "setChatAdministratorCustomTitle", chat_id=GROUP, user_id=BOB, custom_title="Mod")
    assert (status, body["description"]) == (400, "Bad Request: not enough rights to change custom title of the user")


def test_other_bots_are_not_listed_among_administrators(scene: SimClient) -> None:
    scene.add_bot(OTHER_BOT_TOKEN, username="other_bot")
    scene.set_member(GROUP, OTHER_BOT_ID, "administrator")
    ids = [a["user"]["id"] for a in ok(scene, "getChatAdministrators", chat_id=GROUP)]
    assert ids == [OWNER, BOT_ID]
    assert [a["user"]["id"] for a in ok(scene, "getChatAdministrators", token=OTHER_BOT_TOKEN, chat_id=GROUP)] == [
        OWNER,
        OTHER_BOT_ID,
    ]
    assert ok(scene, "getChatMemberCount", chat_id=GROUP) == 5


def test_join_requests_approved_and_declined(scene: SimClient) -> None:
    scene.add_user(44, "Carla")
    scene.add_user(45, "Dario")
    scene.join_request(GROUP, 44, bio="studentessa")
    scene.join_request(GROUP, 45)
    assert ok(scene, "approveChatJoinRequest", chat_id=GROUP, user_id=44) is True
    assert ok(scene, "declineChatJoinRequest", chat_id=GROUP, user_id=45) is True
    assert member(scene, 44)["status"] == "member"
    status, body = api(scene, "approveChatJoinRequest", chat_id=GROUP, user_id=45)
    assert (status, body["description"]) == (400, "Bad Request: HIDE_REQUESTER_MISSING")


def test_invite_links(scene: SimClient) -> None:
    link = ok(scene, "exportChatInviteLink", chat_id=GROUP)
    assert link.startswith("https://t.me/+")
    assert ok(scene, "getChat", chat_id=GROUP)["invite_link"] == link
    created = ok(scene, "createChatInviteLink", chat_id=GROUP, name="matricole", creates_join_request=True)
    assert created["creator"]["id"] == BOT_ID and created["creates_join_request"] and not created["is_primary"]


def test_a_bot_may_write_first_to_a_join_request_applicant_for_five_minutes(scene: SimClient) -> None:
    refused = (403, "Forbidden: bot can't initiate conversation with a user")
    scene.add_bot(OTHER_BOT_TOKEN, username="other_bot")  # not in the group
    for applicant in (44, 45, 46, 47):
        scene.add_user(applicant, f"Applicant{applicant}")
    scene.block(47, BOT_ID)
    for applicant in (44, 45, 46, 47):
        scene.join_request(GROUP, applicant)
    assert ok(scene, "sendMessage", chat_id=44, text="Scegli la lingua")["chat"]["id"] == 44
    status, body = api(scene, "sendMessage", OTHER_BOT_TOKEN, chat_id=44, text="spam")
    assert (status, body["description"]) == refused  # only a bot that can approve the request
    status, body = api(scene, "sendMessage", chat_id=BOB, text="ciao")
    assert (status, body["description"]) == refused  # someone who asked nothing
    assert api(scene, "sendMessage", chat_id=47, text="ciao")[0] == 403  # blocked stays blocked
    ok(scene, "approveChatJoinRequest", chat_id=GROUP, user_id=45)
    ok(scene, "declineChatJoinRequest", chat_id=GROUP, user_id=46)
    for processed in (45, 46):  # only until the request is processed
        status, body = api(scene, "sendMessage", chat_id=processed, text="ciao")
        assert (status, body["description"]) == refused
    scene.advance_clock(299)
    assert ok(scene, "sendMessage", chat_id=44, text="ancora qui?")["chat"]["id"] == 44
    scene.advance_clock(2)
    status, body = api(scene, "sendMessage", chat_id=44, text="e ora?")
    assert (status, body["description"]) == refused  # the five minutes are over
