"""Onboarding's staff pages through HTTP, logged in as staff: group settings, welcome texts, filters, appeals.

Each page saves through the domain functions the worker uses; what they refuse comes back as a form error and
nothing is stored.
"""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import func, select
from staff_support import form_fields, staff_app, staff_client

from aula_moderation.chats import records as chats
from aula_moderation.chats.models import OnboardingSettings
from aula_moderation.onboarding import settings, welcome
from aula_moderation.onboarding.models import Appeal, FilterRule, WelcomeTemplate
from aula_shared.db import session_scope

pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning:wtforms.*"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:flask_admin.*"),
]

CHAT = -1001000000777
OTHER = -1001000000778
BOT = 7000000009


@pytest.fixture
def staff(migrated_pg, clean_tables):
    chats.manage(migrated_pg, CHAT, BOT, "Analisi 1", "it")
    chats.manage(migrated_pg, OTHER, BOT, "Fisica", "en")
    return staff_client(migrated_pg)


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def submit(client, path: str, form_class: str, **changes):
    """Post the page's form as a browser would, with some fields changed."""
    fields = form_fields(page(client, path), form_class)
    for name, value in fields.items():
        fields[name] = value.removeprefix("\r\n")  # a browser drops a textarea's first newline
    fields.update(changes)
    for name in [n for n, v in changes.items() if v is None]:
        fields.pop(name)  # an unticked checkbox is not sent
    return client.post(path, data=fields)


def stored_settings(url: str, chat_id: int) -> dict | None:
    with session_scope(url) as session:
        row = session.get(OnboardingSettings, chat_id)
        return dict(row.config) if row else None


@pytest.mark.parametrize(
    "path",
    ["/admin/onboarding/settings/", f"/admin/onboarding/settings/{CHAT}", "/admin/onboarding/welcome/",
     "/admin/onboarding/filters/", "/admin/onboarding/appeals/"],
)  # fmt: skip
def test_onboarding_pages_need_a_login(migrated_pg, path):
    response = staff_app(migrated_pg).test_client().get(path)
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]


def test_the_menu_has_an_onboarding_category(staff):
    home = page(staff, "/admin/")
    assert "Onboarding" in home
    for path in ("/admin/onboarding/settings/", "/admin/onboarding/welcome/", "/admin/onboarding/filters/"):
        assert path in home


# -- group settings ---------------------------------------------------------------------------------------------


def test_a_group_without_settings_shows_the_defaults_and_saving_stores_validated_values(staff, migrated_pg):
    listing = page(staff, "/admin/onboarding/settings/")
    assert "Analisi 1" in listing and "Fisica" in listing and "Defaults — edit" in listing
    path = f"/admin/onboarding/settings/{CHAT}"
    fields = form_fields(page(staff, path), "onboarding-settings")
    assert fields["captcha"] == "off" and fields["captcha_timeout"] == str(settings.DEFAULTS["captcha_timeout"])
    assert "welcome" not in fields  # off by default: an unticked checkbox
    assert stored_settings(migrated_pg, CHAT) is None
    saved = submit(staff, path, "onboarding-settings", captcha="math", captcha_timeout="90", captcha_action="mute",
                   captcha_attempts="3", welcome="y", welcome_delete_after="0", verify_after_messages="10",
                   verify_after_days="3", flood_messages="5", flood_seconds="8", flood_mute="300")  # fmt: skip
    assert saved.status_code == 302
    config = stored_settings(migrated_pg, CHAT)
    assert config["captcha"] == "math" and config["captcha_timeout"] == 90 and config["captcha_action"] == "mute"
    assert config["welcome"] is True and config["welcome_delete_after"] == 0
    assert (config["verify_after_messages"], config["verify_after_days"]) == (10, 3)
    assert (config["flood_messages"], config["flood_seconds"], config["flood_mute"]) == (5, 8, 300)
    assert stored_settings(migrated_pg, OTHER) is None
    again = form_fields(page(staff, path), "onboarding-settings")
    assert again["captcha"] == "math" and again["welcome"] == "y" and again["captcha_action"] == "mute"
    # Unticking a checkbox switches it off.
    submit(staff, path, "onboarding-settings", welcome=None)
    assert stored_settings(migrated_pg, CHAT)["welcome"] is False


@pytest.mark.parametrize(
    "changes, error",
    [
        ({"captcha_timeout": "-5"}, "captcha_timeout must be a number ≥ 0"),
        ({"captcha": "audio"}, "Not a valid choice"),
        ({"flood_messages": "many"}, "Not a valid integer"),
    ],
)
def test_bad_settings_are_form_errors_and_nothing_is_stored(staff, migrated_pg, changes, error):
    path = f"/admin/onboarding/settings/{CHAT}"
    response = submit(staff, path, "onboarding-settings", **{"captcha": "button", **changes})
    assert response.status_code == 200 and error in response.get_data(as_text=True)
    assert stored_settings(migrated_pg, CHAT) is None


def test_an_unknown_or_unmanaged_group_is_not_found(staff):
    assert staff.get("/admin/onboarding/settings/-1009999").status_code == 404
    assert staff.get("/admin/onboarding/welcome/edit?chat=-1009999&language=it").status_code == 404
    assert staff.get(f"/admin/onboarding/welcome/edit?chat={CHAT}&language=fr").status_code == 404


def test_a_post_without_the_csrf_token_changes_nothing(staff, migrated_pg):
    response = staff.post(f"/admin/onboarding/settings/{CHAT}", data={"captcha": "math", "captcha_timeout": "60"})
    assert response.status_code == 200 and "CSRF" in response.get_data(as_text=True)
    assert stored_settings(migrated_pg, CHAT) is None


# -- welcome texts ----------------------------------------------------------------------------------------------


def template_row(url: str, chat_id: int | None, language: str) -> WelcomeTemplate | None:
    with session_scope(url) as session:
        query = select(WelcomeTemplate).where(
            WelcomeTemplate.chat_id.is_(None) if chat_id is None else WelcomeTemplate.chat_id == chat_id,
            WelcomeTemplate.language == language,
        )
        return session.scalars(query).first()


def test_a_welcome_text_is_saved_per_group_and_language_with_buttons_and_a_preview(staff, migrated_pg):
    path = f"/admin/onboarding/welcome/edit?chat={CHAT}&language=en"
    form = page(staff, path)
    assert "{greetings}" in form and "{mention}" in form  # the variable list
    assert "{greetings}" in form_fields(form, "welcome-template")["template"]  # the built-in text to start from
    text = "{greetings} <b>{first}</b> to {title}!"
    saved = submit(staff, path, "welcome-template", template=text,
                   buttons="Sito | https://studentiunimi.it\nCanale | https://t.me/studenti_unimi")  # fmt: skip
    assert saved.status_code == 302
    row = template_row(migrated_pg, CHAT, "en")
    assert row.template == text
    assert row.buttons == [["Sito", "https://studentiunimi.it"], ["Canale", "https://t.me/studenti_unimi"]]
    assert template_row(migrated_pg, CHAT, "it") is None and template_row(migrated_pg, OTHER, "en") is None
    shown = page(staff, path)
    assert "Canale | https://t.me/studenti_unimi" in form_fields(shown, "welcome-template")["buttons"]
    previews = [html.unescape(p) for p in re.findall(r'srcdoc="([^"]*)"', shown)]
    assert "Welcome <b>Mario</b> to Analisi 1!" in previews[0]
    assert "Welcome all <b>Mario</b> to Analisi 1!" in previews[1]  # two newcomers: the plural greeting
    assert "sandbox" in shown
    listing = page(staff, "/admin/onboarding/welcome/")
    assert "own text" in listing


def test_markup_telegram_refuses_is_escaped_as_the_validator_decides(staff, migrated_pg):
    path = "/admin/onboarding/welcome/edit?chat=network&language=it"
    typed = "{greetings} {mention}! <script>alert(1)</script><b>ok</b>"
    response = submit(staff, path, "welcome-template", template=typed, buttons="")
    assert response.status_code == 302
    assert "was escaped" in page(staff, path)
    row = template_row(migrated_pg, None, "it")
    assert row.template == welcome.validate(typed) and "&lt;script&gt;" in row.template
    shown = form_fields(page(staff, path), "welcome-template")["template"]
    assert shown.removeprefix("\r\n") == row.template  # staff see what was stored, not what they typed


@pytest.mark.parametrize(
    "changes, error",
    [
        ({"template": "Ciao {nome}"}, "unknown variable {nome}"),
        ({"buttons": "Sito | javascript:alert(1)"}, "needs a label and an http(s) or tg:// link"),
        ({"buttons": "just a label"}, "write the button as: label | https://link"),
        ({"buttons": "\n".join(f"b{i} | https://x.org/{i}" for i in range(5))}, "at most 4 buttons"),
    ],
)
def test_a_refused_welcome_text_is_a_form_error_and_nothing_is_stored(staff, migrated_pg, changes, error):
    path = f"/admin/onboarding/welcome/edit?chat={CHAT}&language=it"
    response = submit(staff, path, "welcome-template", **{"template": "{greetings} {mention}", **changes})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and html.escape(error, quote=True) in body
    assert template_row(migrated_pg, CHAT, "it") is None


# -- filters ----------------------------------------------------------------------------------------------------


def rules(url: str) -> list[tuple]:
    with session_scope(url) as session:
        return [tuple(r) for r in session.execute(select(FilterRule.chat_id, FilterRule.kind, FilterRule.pattern))]


def test_network_and_group_rules_are_added_listed_and_deleted(staff, migrated_pg):
    path = "/admin/onboarding/filters/"
    assert submit(staff, path, "filter-rule", scope="network", kind="substring", pattern="cazzo").status_code == 302
    assert submit(staff, path, "filter-rule", scope=str(CHAT), kind="regex", pattern=r"\bspam+\b").status_code == 302
    assert sorted(rules(migrated_pg), key=str) == sorted([(None, "substring", "cazzo"), (CHAT, "regex", r"\bspam+\b")],
                                                         key=str)  # fmt: skip
    of_other = page(staff, f"{path}?chat={OTHER}")
    assert "added." in of_other  # the flash of the last addition
    assert (
        "<code>cazzo</code>" in of_other and r"<code>\bspam+\b</code>" not in of_other
    )  # the network's rules, not another group's
    everything = page(staff, path)
    assert "<code>cazzo</code>" in everything and r"<code>\bspam+\b</code>" in everything
    delete = form_fields(page(staff, f"{path}?chat={CHAT}"), "delete-rule")
    assert staff.post(f"{path}delete?chat={CHAT}", data=delete).status_code == 302
    assert len(rules(migrated_pg)) == 1
    assert staff.post(f"{path}delete", data={"rule_id": "1"}).status_code == 302  # no CSRF token: nothing
    assert len(rules(migrated_pg)) == 1


def test_an_invalid_regex_is_a_form_error_and_nothing_is_stored(staff, migrated_pg):
    response = submit(staff, "/admin/onboarding/filters/", "filter-rule", scope="network", kind="regex",
                      pattern="(unclosed")  # fmt: skip
    assert response.status_code == 200 and "invalid regular expression" in response.get_data(as_text=True)
    assert rules(migrated_pg) == []


def test_the_filter_mode_is_set_per_group(staff, migrated_pg):
    path = f"/admin/onboarding/filters/?chat={CHAT}"
    fields = form_fields(page(staff, path), "filter-mode")
    assert fields["filter_mode"] == "off"
    fields["filter_mode"] = "delete"
    assert staff.post(f"/admin/onboarding/filters/mode/{CHAT}", data=fields).status_code == 302
    assert stored_settings(migrated_pg, CHAT) == {"filter_mode": "delete"}
    fields["filter_mode"] = "shout"
    staff.post(f"/admin/onboarding/filters/mode/{CHAT}", data=fields)
    assert stored_settings(migrated_pg, CHAT) == {"filter_mode": "delete"}


# -- appeals ----------------------------------------------------------------------------------------------------


def test_appeals_are_listed_read_only(staff, migrated_pg):
    with session_scope(migrated_pg) as session:
        session.add(Appeal(user_id=4242, bot_id=BOT, status="open"))
        session.add(Appeal(user_id=4343, bot_id=BOT, status="lifted", decided_by=501))
    listing = page(staff, "/admin/onboarding/appeals/")
    assert "4242" in listing and "4343" in listing and "lifted" in listing
    assert staff.get("/admin/onboarding/appeals/new/").status_code in (302, 403, 404)
    assert staff.get("/admin/onboarding/appeals/edit/?id=4242").status_code in (302, 403, 404)
    with session_scope(migrated_pg) as session:
        assert session.scalar(select(func.count()).select_from(Appeal)) == 2
