"""The Settings page of the staff admin: the network's values (one change for every group), and for any group
each value with the layer it comes from (built-in default, network, the group's own), with a reset back to the
network's. The values are typed and checked by chats/settings.py, as for the CLI (`aula settings`)."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.form import SecureForm
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import scoped_session

from aula_moderation.chats import settings as chat_settings
from aula_moderation.chats.admin import form_changes, setting_field
from aula_moderation.chats.models import ManagedChat
from aula_shared.staff import StaffPage
from aula_shared.staff_babel import _, _n


def _network_form(defaults: dict) -> type[SecureForm]:
    fields = {s.key: setting_field(s, defaults[s.key]) for s in chat_settings.SETTINGS}
    return type("NetworkSettingsForm", (SecureForm,), fields)


NetworkSettingsForm = _network_form(dict(chat_settings.DEFAULTS))


class ResetForm(SecureForm):
    """CSRF only: which key to reset comes in the button's value."""


class SettingsView(StaffPage):
    def __init__(self, session: scoped_session, **kwargs) -> None:
        super().__init__(**kwargs)
        self.session = session

    @expose("/", methods=("GET", "POST"))
    def index(self):
        network = chat_settings.network_values(self.session)
        form = NetworkSettingsForm(request.form if request.method == "POST" else None, data=network)
        if request.method == "POST" and form.validate():
            changes, dropped = form_changes(form, [s.key for s in chat_settings.SETTINGS])
            # A box left unticked is "off" where the built-in default is on; elsewhere it is no network value.
            changes.update({key: False for key in dropped if chat_settings.DEFAULTS[key] is True})
            dropped = [key for key in dropped if key not in changes]
            try:
                chat_settings.reset_network(self.session, dropped)
                chat_settings.set_network(self.session, changed_by=current_user.get_id(), **changes)
                self.session.commit()
            except chat_settings.SettingError as error:
                self.session.rollback()
                form.form_errors.append(str(error))
            else:
                flash(_("Network settings saved: every group without its own value follows them."), "success")
                return redirect(url_for(".index"))
        sections: dict[str, list] = {}
        for s in chat_settings.SETTINGS:
            sections.setdefault(s.section, []).append(form[s.key])
        groups = self._groups_with_own_values()
        return self.render("moderation_admin/settings_network.html", form=form, sections=sections, groups=groups)

    @expose("/group/<int(signed=True):chat_id>", methods=("GET", "POST"))
    def group(self, chat_id: int):
        chat = self.session.get(ManagedChat, chat_id)
        if chat is None or not chat.managed:
            abort(404)
        form = ResetForm(request.form if request.method == "POST" else None)
        if request.method == "POST" and form.validate():
            key = request.form.get("reset", "")
            keys = None if key == "*" else [key]
            try:
                dropped = chat_settings.reset_group(self.session, chat_id, keys)
                self.session.commit()
            except chat_settings.SettingError as error:
                self.session.rollback()
                flash(str(error), "error")
            else:
                flash(
                    _n(
                        "%(num)d value of %(chat)s reset to the network's.",
                        "%(num)d values of %(chat)s reset to the network's.",
                        len(dropped),
                        chat=chat.title or chat_id,
                    ),
                    "success",
                )
            return redirect(url_for(".group", chat_id=chat_id))
        values = chat_settings.explain(self.session, chat_id)
        return self.render("moderation_admin/settings_group.html", chat=chat, values=values, form=form)

    def _groups_with_own_values(self) -> list[tuple[ManagedChat, int]]:
        chats = self.session.scalars(
            select(ManagedChat).where(ManagedChat.managed.is_(True)).order_by(ManagedChat.title)
        ).all()
        return [(chat, len(chat_settings.group_values(self.session, chat.id))) for chat in chats]
