"""Settings in layers: built-in default → network-wide → the group's own, for moderation's and onboarding's keys
alike, typed and validated in one module (chats/settings.py); the same from the CLI (`aula settings`) and the
staff admin's Settings page. Real PostgreSQL; the CLI runs as the operator runs it."""

from __future__ import annotations

import re
import subprocess

import pytest
from sqlalchemy import select
from staff_support import form_fields, staff_client
from support import AULA

from aula_moderation.chats import records as chats
from aula_moderation.chats import settings as layers
from aula_moderation.chats.models import ManagedChat, NetworkSetting, OnboardingSettings
from aula_moderation.onboarding import settings as onboarding_settings
from aula_shared.db import session_scope

pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning:wtforms.*"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:flask_admin.*"),
]

CHAT, OTHER, BOT = -1001000000771, -1001000000772, 7000000007


@pytest.fixture
def db(migrated_pg, clean_tables) -> str:
    chats.manage(migrated_pg, CHAT, BOT, "Analisi 1", "it")
    chats.manage(migrated_pg, OTHER, BOT, "Fisica", "it")
    return migrated_pg


def aula(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run([AULA, "settings", *args], env=env, capture_output=True, text=True, timeout=60)


def one_line_error(result: subprocess.CompletedProcess) -> str:
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def layer_of(db: str, chat_id: int | None, key: str) -> tuple[object, str]:
    with session_scope(db) as session:
        value = layers.explain(session, chat_id)[key]
    return value.value, value.layer


# -- the layers -------------------------------------------------------------------------------------------------


def test_a_group_follows_the_network_until_it_has_a_value_of_its_own(db):
    assert layer_of(db, CHAT, "captcha") == ("off", "default")
    with session_scope(db) as session:
        layers.set_network(session, captcha="button", warn_limit=5)
    assert layer_of(db, CHAT, "captcha") == ("button", "network")
    assert layer_of(db, CHAT, "warn_limit") == (5, "network")
    with session_scope(db) as session:
        layers.set_group(session, CHAT, captcha="math")
    assert layer_of(db, CHAT, "captcha") == ("math", "group")
    assert layer_of(db, OTHER, "captcha") == ("button", "network")  # the other group still follows
    with session_scope(db) as session:
        assert layers.reset_group(session, CHAT, ["captcha"]) == ["captcha"]
    assert layer_of(db, CHAT, "captcha") == ("button", "network")
    with session_scope(db) as session:
        assert layers.reset_network(session) == ["captcha", "warn_limit"]
    assert layer_of(db, CHAT, "captcha") == ("off", "default")


def test_each_key_keeps_its_store_and_a_reset_leaves_other_keys(db):
    with session_scope(db) as session:
        layers.set_group(session, CHAT, warn_limit=4, captcha="button")
        session.get(ManagedChat, CHAT).settings = {**session.get(ManagedChat, CHAT).settings, "custom": 1}
    with session_scope(db) as session:
        assert session.get(ManagedChat, CHAT).settings == {"warn_limit": 4, "custom": 1}
        assert session.get(OnboardingSettings, CHAT).config == {"captcha": "button"}
        assert layers.reset_group(session, CHAT) == ["captcha", "warn_limit"]
    with session_scope(db) as session:
        assert session.get(ManagedChat, CHAT).settings == {"custom": 1}  # keys it does not know are kept
        assert session.get(OnboardingSettings, CHAT).config == {}


@pytest.mark.parametrize(
    "changes, error",
    [
        ({"captcha": "audio"}, "captcha must be one of off, button, math"),
        ({"warn_limit": 0}, "warn_limit must be a number ≥ 1"),
        ({"welcome": "yes"}, "welcome must be true or false"),
        ({"nope": 1}, "unknown setting 'nope'; see `aula settings show`"),
    ],
)
def test_a_bad_key_or_value_is_refused_and_nothing_is_stored(db, changes, error):
    changes = {"welcome": True, **changes}  # a good value beside the bad one is not stored either
    for store in (lambda s: layers.set_network(s, **changes), lambda s: layers.set_group(s, CHAT, **changes)):
        with pytest.raises(layers.SettingError, match=re.escape(error)), session_scope(db) as session:
            store(session)
    with session_scope(db) as session:
        assert session.scalars(select(NetworkSetting)).all() == []
        assert session.get(OnboardingSettings, CHAT) is None


def test_a_group_put_under_management_later_starts_with_the_network_values(db):
    with session_scope(db) as session:
        layers.set_network(session, captcha="button", welcome=True)
    new = -1001000000773
    chats.manage(db, new, BOT, "Nuovo", "it")
    with session_scope(db) as session:
        assert {k: v for k, v in onboarding_settings.load(session, new).items() if k in ("captcha", "welcome")} == {
            "captcha": "button",
            "welcome": True,
        }


def test_the_message_path_cache_sees_the_network_layer(db, monkeypatch):
    monkeypatch.setattr(layers, "_cache", {})
    monkeypatch.setattr(layers, "_network_cache", {})
    monkeypatch.setattr(layers, "CACHE_SECONDS", 0.0)
    assert layers.cached(db, CHAT)["flood_messages"] == 0
    with session_scope(db) as session:
        layers.set_network(session, flood_messages=5)
    assert layers.cached(db, CHAT)["flood_messages"] == 5


# -- the CLI ----------------------------------------------------------------------------------------------------


def test_the_cli_sets_the_network_and_shows_each_groups_layers(platform_env, db):
    result = aula(platform_env, "set", "--network", "captcha=button", "welcome=true")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "the network: captcha=button welcome=true"
    result = aula(platform_env, "set", "--chat", str(CHAT), "warn_limit=5", "join_message_delay=none")
    assert result.returncode == 0, result.stderr
    shown = dict(
        (line.split()[0], line.split()[1:])
        for line in aula(platform_env, "show", "--chat", str(CHAT)).stdout.splitlines()
    )
    assert shown["captcha"] == ["button", "network"]
    assert shown["welcome"] == ["true", "network"]
    assert shown["warn_limit"] == ["5", "group"]
    assert shown["join_message_delay"] == ["—", "group"]
    assert shown["notice_delay"] == ["90", "default"]
    assert set(shown) == set(layers.BY_KEY)
    network = aula(platform_env, "show").stdout
    assert re.search(r"^captcha\s+button\s+network$", network, re.M)
    result = aula(platform_env, "reset", "--chat", str(CHAT), "warn_limit")
    assert result.stdout.strip() == "reset: warn_limit"
    assert layer_of(db, CHAT, "warn_limit") == (3, "default")


@pytest.mark.parametrize(
    "args, error",
    [
        (("set", "--network", "captcha=audio"), "aula: captcha must be one of off, button, math"),
        (("set", "--network", "welcome=true", "nope=1"), "aula: unknown setting 'nope'; see `aula settings show`"),
        (("set", "--network", "warn_limit"), "aula: 'warn_limit' is not KEY=VALUE"),
        (("set", "--network", "warn_limit=lots"), "aula: warn_limit must be a number, not 'lots'"),
        (("set", "captcha=button"), "aula: say which layer: --network, or --chat ID"),
        (("set", "--chat", "-1009999", "captcha=button"), "aula: chat -1009999 is not managed; see `aula groups add`"),
        (("reset", "--network", "nope"), "aula: unknown setting 'nope'; see `aula settings show`"),
    ],
)
def test_bad_cli_input_is_one_line_and_writes_nothing(platform_env, db, args, error):
    assert one_line_error(aula(platform_env, *args)) == error
    with session_scope(db) as session:
        assert session.scalars(select(NetworkSetting)).all() == []
        assert session.get(OnboardingSettings, CHAT) is None


def test_groups_add_gives_a_new_group_the_network_settings(platform_env, db):
    from aula_shared.platform.registry import save_bot

    save_bot(platform_env["DATABASE_URL"], BOT, "aula_test_bot", f"{BOT}:AAE-test-token")
    assert aula(platform_env, "set", "--network", "captcha=math", "rules_gate=true").returncode == 0
    new = -1001000000774
    added = subprocess.run([AULA, "groups", "add", str(new), "--bot", str(BOT)], env=platform_env,
                           capture_output=True, text=True, timeout=60)  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert layer_of(db, new, "captcha") == ("math", "network")
    assert layer_of(db, new, "rules_gate") == (True, "network")


# -- the staff admin -------------------------------------------------------------------------------------------


def test_the_settings_page_edits_the_network_and_resets_a_group(db):
    staff = staff_client(db)
    page = staff.get("/admin/moderation/settings/")
    assert page.status_code == 200
    fields = form_fields(page.get_data(as_text=True), "network-settings")
    assert fields["captcha"] == "" and fields["warn_limit"] == ""  # no network values yet: the defaults
    fields.update(captcha="button", warn_limit="4")
    saved = staff.post("/admin/moderation/settings/", data=fields, follow_redirects=True)
    assert "Network settings saved" in saved.get_data(as_text=True)
    assert layer_of(db, CHAT, "captcha") == ("button", "network")
    assert layer_of(db, CHAT, "warn_limit") == (4, "network")
    refused = staff.post("/admin/moderation/settings/", data={**fields, "warn_limit": "0"})
    assert refused.status_code == 200 and "Number must be between 1 and 100" in refused.get_data(as_text=True)
    assert layer_of(db, CHAT, "warn_limit") == (4, "network")

    with session_scope(db) as session:
        layers.set_group(session, CHAT, captcha="math", notice_delay=30)
    group = staff.get(f"/admin/moderation/settings/group/{CHAT}").get_data(as_text=True)
    shown = dict(re.findall(r'<tr data-key="(\w+)">.*?<td class="layer">(\w+)</td>', group, re.S))
    assert (shown["captcha"], shown["notice_delay"], shown["warn_limit"], shown["welcome"]) == (
        "group", "group", "network", "default",
    )  # fmt: skip
    token = form_fields(group, "group-layers")["csrf_token"]
    staff.post(f"/admin/moderation/settings/group/{CHAT}", data={"csrf_token": token, "reset": "captcha"})
    assert layer_of(db, CHAT, "captcha") == ("button", "network")
    assert layer_of(db, CHAT, "notice_delay") == (30, "group")
    staff.post(f"/admin/moderation/settings/group/{CHAT}", data={"csrf_token": token, "reset": "*"})
    assert layer_of(db, CHAT, "notice_delay") == (90, "default")
    assert staff.get("/admin/moderation/settings/group/-1009999").status_code == 404


def test_saving_a_groups_onboarding_form_keeps_untouched_keys_following_the_network(db):
    with session_scope(db) as session:
        layers.set_network(session, flood_messages=7)
    staff = staff_client(db)
    path = f"/admin/onboarding/settings/{CHAT}"
    fields = form_fields(staff.get(path).get_data(as_text=True), "onboarding-settings")
    staff.post(path, data={**fields, "captcha": "button"}, follow_redirects=True)
    assert layer_of(db, CHAT, "captcha") == ("button", "group")
    assert layer_of(db, CHAT, "flood_messages") == (7, "network")


def test_a_group_upgraded_to_a_supergroup_keeps_its_own_settings_of_both_stores(db):
    from aula_moderation.onboarding import filters, welcome

    with session_scope(db) as session:
        layers.set_network(session, welcome_delete_after=60)
        layers.set_group(session, CHAT, warn_limit=5, captcha="math", rules_gate=True)
        filters.add_rule(session, "forbidden", chat_id=CHAT)
        welcome.save_template(session, CHAT, "en", "Hi {mention}")
    supergroup = -1001000000779
    assert chats.migrate(db, CHAT, supergroup)
    with session_scope(db) as session:
        values = layers.load(session, supergroup)
        assert (values["warn_limit"], values["captcha"], values["rules_gate"]) == (5, "math", True)
        assert values["welcome_delete_after"] == 60  # still the network's
        assert filters.rules_for(session, supergroup) == [("substring", "forbidden")]
        assert welcome.template_for(session, supergroup, "en")[0] == "Hi {mention}"
    assert layer_of(db, supergroup, "captcha") == ("math", "group")
    assert not chats.migrate(db, CHAT, supergroup)  # the other side of the migration finds the work done
