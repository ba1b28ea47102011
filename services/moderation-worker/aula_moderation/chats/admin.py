"""Managed chats in the staff admin: the list, and the moderation settings the worker reads from each chat.

Settings live in moderation_chats.settings (JSON); the worker reads each key with a default when it is absent
(the commands and chat handlers). The form edits exactly those keys, each checked, and an empty field removes the
key so the default applies again. Other keys in the JSON are kept as they are. Chats are put under management
with `aula groups add` (it checks the bot against the registry), not here.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import g
from flask_admin.contrib.sqla.filters import BooleanEqualFilter
from flask_admin.form import SecureForm
from flask_admin.helpers import get_form_data
from sqlalchemy import select
from wtforms import BooleanField, IntegerField, SelectField
from wtforms.validators import NumberRange, Optional

from aula_moderation import staff_lookups as lookups
from aula_moderation.chats import settings as chat_settings
from aula_moderation.chats.models import ChatScope, ManagedChat
from aula_shared.settings import LANGUAGES
from aula_shared.staff import StaffModelView
from aula_shared.staff_babel import lazy_gettext

DAY = 86400


@dataclass(frozen=True)
class NumberSetting:
    key: str
    label: str
    default: int | str
    low: int
    high: int
    help: str


NUMBERS = (
    NumberSetting("notice_delay", "Notice delay (s)", chat_settings.DEFAULT_NOTICE_DELAY, 0, DAY,
                  "Seconds before the bot's notices in the group are deleted."),
    NumberSetting("warn_limit", "Warnings before action", chat_settings.DEFAULT_WARN_LIMIT, 1, 100,
                  "Active warnings that trigger the action below (then the count starts again)."),
    NumberSetting("warn_action_seconds", "Action length (s)", chat_settings.DEFAULT_WARN_ACTION_SECONDS, 0, 366 * DAY,
                  "How long the mute or ban lasts; 0: for ever."),
    NumberSetting("warn_expiry_days", "Warnings expire after (days)", chat_settings.DEFAULT_WARN_EXPIRY_DAYS, 0, 3650,
                  "0: warnings never expire."),
    NumberSetting("join_message_delay", "Join/leave messages deleted after (s)", "the notice delay", 0, DAY,
                  "Telegram's 'X joined' messages in large groups."),
    NumberSetting("clean_joins_min_members", "Delete join messages from (members)", 50, 0, 1_000_000,
                  "Join/leave messages are deleted only in groups at least this large."),
)  # fmt: skip
WARN_ACTIONS = ("mute", "ban", "kick")


def _settings_form() -> type[SecureForm]:
    fields = {
        "language": SelectField(lazy_gettext("Language of notices"), choices=[(code, code) for code in LANGUAGES]),
        "warn_action": SelectField(
            lazy_gettext("Action at the limit"),
            choices=[("", lazy_gettext("default (%(action)s)", action=chat_settings.DEFAULT_WARN_ACTION))]
            + [(a, a) for a in WARN_ACTIONS],
            validators=[Optional()],
        ),
        "ignore_admin_tagging": BooleanField(
            lazy_gettext("Ignore @admin calls"),
            description=lazy_gettext("@admin in this chat does not reach the staff chat (/ignore_admin)."),
        ),
    }
    for setting in NUMBERS:
        fields[setting.key] = IntegerField(
            setting.label,
            validators=[Optional(), NumberRange(min=setting.low, max=setting.high)],
            description=lazy_gettext(
                "%(help)s Empty: the default (%(default)s).", help=setting.help, default=setting.default
            ),
        )
    return type("ChatSettingsForm", (SecureForm,), fields)


ChatSettingsForm = _settings_form()
KEYS = ("warn_action", "ignore_admin_tagging", *(setting.key for setting in NUMBERS))


def updated_settings(current: dict, form) -> dict:
    """The chat's settings with the form's keys set, or removed where the form is empty (default)."""
    settings = dict(current or {})
    for key in KEYS:
        value = form[key].data
        if value is None or value == "" or value is False:
            settings.pop(key, None)
        else:
            settings[key] = value
    return settings


class ManagedChatView(lookups.NamesShown, StaffModelView):
    can_create = can_delete = False
    named_filter_urls = True
    column_list = ("id", "title", "bot_id", "language", "managed", "scope", "settings", "migrated_to")
    column_labels = {
        "id": lazy_gettext("Chat"),
        "bot_id": lazy_gettext("Bot"),
        "scope": lazy_gettext("Degrees and departments"),
    }
    column_sortable_list = ("id", "title", "managed")
    column_default_sort = "title"
    column_searchable_list = ("title",)
    column_formatters = {
        "settings": lambda _v, _c, model, _n: (
            " ".join(f"{key}={model.settings[key]}" for key in sorted(model.settings or {})) or "defaults"
        ),
        "scope": lambda _v, _c, model, _n: g.get("moderation_chat_scopes", {}).get(model.id, "extra group"),
    }
    edit_template = "moderation_admin/chat_edit.html"

    def __init__(self, session, **kwargs) -> None:
        self.column_filters = [BooleanEqualFilter(ManagedChat.managed, "Managed")]
        super().__init__(ManagedChat, session, **kwargs)

    def get_list(self, *args, **kwargs):
        count, chats = super().get_list(*args, **kwargs)
        if kwargs.get("execute") is not False:
            g.moderation_chat_scopes = self._scopes([chat.id for chat in chats])  # this request's page
        return count, chats

    def _scopes(self, chat_ids: list[int]) -> dict[int, str]:
        found: dict[int, list[str]] = {}
        rows = self.session.scalars(
            select(ChatScope).where(ChatScope.chat_id.in_(chat_ids)).order_by(ChatScope.kind, ChatScope.slug)
        )
        for row in rows:
            found.setdefault(row.chat_id, []).append(f"{row.kind} {row.slug}")
        return {chat_id: ", ".join(parts) for chat_id, parts in found.items()}

    def get_edit_form(self):
        return ChatSettingsForm

    def edit_form(self, obj=None):
        current = obj.settings or {}
        return self._edit_form_class(get_form_data(), obj=obj, **{key: current.get(key) for key in KEYS})

    def update_model(self, form, model: ManagedChat) -> bool:
        # /ignore_admin changes the same JSON under a row lock: take it too, and start from what is stored now.
        self.session.refresh(model, with_for_update=True)
        model.settings = updated_settings(model.settings, form)
        model.language = form.language.data
        self.session.commit()
        return True
