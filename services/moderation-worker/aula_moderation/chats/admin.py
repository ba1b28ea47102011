"""Managed chats in the staff admin: the list, and each chat's own moderation settings.

The form edits the chat's own values of moderation's keys (chats/settings.py validates them); an empty field
drops the chat's own value, so the network's (or the built-in default) applies again. Other keys in the JSON
are kept as they are. Chats are put under management with `aula groups add` (it checks the bot against the
registry), not here. The Settings page (settings_admin.py) shows every key's layer.
"""

from __future__ import annotations

from flask import flash, g
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

# The chat's own moderation settings, edited on its page; onboarding's keys have their own page.
KEYS = tuple(s.key for s in chat_settings.SETTINGS if s.store == chat_settings.CHAT)


def setting_field(setting: chat_settings.Setting, inherited: object):
    """A form field for one setting; empty means "no value of its own" (the network's or the default applies)."""
    label = lazy_gettext(setting.label)
    description = lazy_gettext(
        "%(help)s Empty: %(inherited)s (the network's value or the default).",
        help=lazy_gettext(setting.help) if setting.help else "",
        inherited="—" if inherited is None else inherited,
    )
    if setting.kind == "flag":
        return BooleanField(label, description=lazy_gettext(setting.help) if setting.help else "")
    if setting.kind == "choice":
        choices = [("", f"— ({inherited})")] + [(choice, choice) for choice in setting.choices]
        return SelectField(label, choices=choices, validators=[Optional()], description=description)
    return IntegerField(
        label, validators=[Optional(), NumberRange(min=setting.low, max=setting.high)], description=description
    )


def _settings_form(inherited: dict) -> type[SecureForm]:
    fields = {
        "language": SelectField(lazy_gettext("Language of notices"), choices=[(code, code) for code in LANGUAGES])
    }
    for key in KEYS:
        fields[key] = setting_field(chat_settings.BY_KEY[key], inherited.get(key))
    return type("ChatSettingsForm", (SecureForm,), fields)


def form_changes(form, keys) -> tuple[dict, list[str]]:
    """(values the group is given, keys whose own value is dropped): an empty field — or an unticked box — means
    the group follows the network again."""
    changes, dropped = {}, []
    for key in keys:
        value = form[key].data
        if value is None or value == "" or value is False:
            dropped.append(key)
        else:
            changes[key] = value
    return changes, dropped


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
        return _settings_form({})

    def edit_form(self, obj=None):
        network = chat_settings.network_values(self.session)
        inherited = {key: value.value for key, value in chat_settings.layered(network).items()}
        own = chat_settings.group_values(self.session, obj.id) if obj is not None else {}
        form_class = _settings_form(inherited)
        return form_class(get_form_data(), obj=obj, **{key: own.get(key) for key in KEYS})

    def update_model(self, form, model: ManagedChat) -> bool:
        changes, dropped = form_changes(form, KEYS)
        try:
            chat_settings.reset_group(self.session, model.id, dropped)
            chat_settings.set_group(self.session, model.id, **changes)
        except chat_settings.SettingError as error:
            self.session.rollback()
            flash(str(error), "error")
            return False
        model.language = form.language.data
        self.session.commit()
        return True
