"""Roles in the staff admin: the grants with their scopes, granted, edited and revoked as `aula roles` does.

Every change goes through aula_moderation.grants (the CLI's functions, the same checks) and is followed by the
`aula.moderation.apply_roles` message, so the user's admin rights and title change in their groups at once.
"""

from __future__ import annotations

from flask import flash
from flask_admin.contrib.sqla.filters import FilterEqual, IntEqualFilter
from flask_admin.form import SecureForm
from sqlalchemy.exc import IntegrityError
from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from aula_moderation import staff_lookups as lookups
from aula_moderation.command_registry import NAMES as COMMANDS
from aula_moderation.roles import grants
from aula_moderation.roles.models import Role
from aula_moderation.roles.powers import MAX_TITLE, RIGHTS, ROLES
from aula_shared.settings import Settings
from aula_shared.staff import StaffModelView
from aula_shared.staff_babel import _, lazy_gettext


class WordsField(StringField):
    """Words separated by spaces or commas in the form, a checked value in `data` (`parse` raises ValueError)."""

    def __init__(self, label, parse, show=lambda data: " ".join(str(item) for item in data or ()), **kwargs):
        super().__init__(label, **kwargs)
        self.parse, self.show = parse, show

    def process_formdata(self, valuelist):
        words = (valuelist[0] if valuelist else "").replace(",", " ").split()
        self.data = self.parse([])  # an empty value, whatever goes wrong below
        self.data = self.parse(words)  # a ValueError here becomes the field's error

    def _value(self) -> str:
        if self.process_errors and self.raw_data:
            return self.raw_data[0]  # show what was typed, next to what is wrong with it
        return self.show(self.data)


def _chat_ids(words: list[str]) -> list[int]:
    try:
        chat_ids = [int(word) for word in words]
    except ValueError:
        raise ValueError("chat ids are whole numbers, e.g. -1001234567890") from None
    return grants.check_chats(chat_ids)


def _switches(allowed: tuple[str, ...], what: str):
    return lambda words: grants.parse_switches(words, allowed, what)


class EditGrantForm(SecureForm):
    all_groups = BooleanField(
        lazy_gettext("All groups"), description=lazy_gettext("Every group linked to a degree or department.")
    )
    extra_groups = BooleanField(
        lazy_gettext("Extra groups"), description=lazy_gettext("Groups linked to no degree or department.")
    )
    degrees = WordsField(
        lazy_gettext("Degrees"),
        lambda words: grants.check_slugs(words, "degree"),
        description=lazy_gettext("Degree slugs (its main group and its courses' groups), separated by spaces."),
    )
    departments = WordsField(
        lazy_gettext("Departments"),
        lambda words: grants.check_slugs(words, "department"),
        description=lazy_gettext("Department slugs."),
    )
    chats = WordsField(
        lazy_gettext("Single chats"), _chat_ids, description=lazy_gettext("Chat ids, e.g. -1001234567890.")
    )
    custom_title = StringField(
        lazy_gettext("Custom title"),
        validators=[Optional(), Length(max=MAX_TITLE)],
        description=f"Admin title in the groups (at most {MAX_TITLE} characters, no emoji); empty: the role's.",
    )
    command_overrides = WordsField(
        lazy_gettext("Command overrides"),
        _switches(COMMANDS, "a command override"),
        show=grants.format_switches,
        description=f"NAME=yes or NAME=no, NAME one of {', '.join(COMMANDS)}; e.g. ban=yes info=no.",
    )
    right_overrides = WordsField(
        lazy_gettext("Telegram right overrides"),
        _switches(RIGHTS, "a right override"),
        show=grants.format_switches,
        description=f"NAME=yes or NAME=no, NAME one of {', '.join(RIGHTS)}.",
    )


class GrantForm(EditGrantForm):
    user_id = IntegerField(lazy_gettext("Telegram user id"), validators=[InputRequired(), NumberRange(min=1)])
    role = SelectField(lazy_gettext("Role"), choices=[(role, role) for role in ROLES], validators=[InputRequired()])

    # The person first, then the scope (WTForms orders fields by creation).
    user_id.creation_counter, role.creation_counter = -2, -1


def _scope(form: EditGrantForm) -> dict:
    return {
        "all_groups": form.all_groups.data,
        "extra_groups": form.extra_groups.data,
        "degrees": form.degrees.data,
        "departments": form.departments.data,
        "chats": form.chats.data,
        "command_overrides": form.command_overrides.data,
        "right_overrides": form.right_overrides.data,
    }


def _overrides_cell(_view, _context, model, _name) -> str:
    commands, rights = grants.format_switches(model.command_overrides), grants.format_switches(model.right_overrides)
    return "; ".join(part for part in (commands, rights) if part) or "—"


class RoleView(lookups.NamesShown, StaffModelView):
    """Grants: who holds which role where. A new grant of a role the user holds widens it, as the CLI does."""

    person_columns = ("user_id",)
    column_list = ("user_id", "role", "scope", "overrides", "custom_title", "updated_at")
    column_details_list = (*column_list, "created_at")
    column_labels = {
        "user_id": lazy_gettext("User"),
        "custom_title": lazy_gettext("Title"),
        "updated_at": lazy_gettext("Changed"),
    }
    column_sortable_list = ("user_id", "role", "updated_at")
    column_default_sort = ("user_id", False)
    column_formatters = {
        "user_id": lookups.person_cell,
        "scope": lambda _v, _c, model, _n: grants.describe(model),
        "overrides": _overrides_cell,
        "updated_at": lookups.when_cell,
        "created_at": lookups.when_cell,
    }
    named_filter_urls = True
    edit_template = "moderation_admin/grant_edit.html"
    create_template = "moderation_admin/grant_create.html"

    def __init__(self, session, settings: Settings, **kwargs) -> None:
        self.settings = settings
        self.column_filters = [
            FilterEqual(Role.role, "Role", options=[(role, role) for role in ROLES]),
            IntEqualFilter(Role.user_id, "User id"),
            lookups.PersonNameFilter(Role.user_id, "User"),
        ]
        super().__init__(Role, session, **kwargs)

    def get_create_form(self):
        return GrantForm

    def get_edit_form(self):
        return EditGrantForm

    def create_model(self, form: GrantForm):
        try:
            row, created = grants.grant(
                self.session,
                form.user_id.data,
                form.role.data,
                **_scope(form),
                custom_title=form.custom_title.data or None,
            )
            self.session.commit()
        except ValueError as error:  # what the form could not check; nothing is stored
            self.session.rollback()
            flash(str(error), "error")
            return False
        except IntegrityError:  # the same role granted meanwhile (CLI, another page): grant again to widen it
            self.session.rollback()
            flash(_("That role was granted to the user meanwhile; save again to add this scope to it."), "error")
            return False
        if not created:
            flash(
                _(
                    "%(user)s already was %(role)s: that grant now also covers what you gave.",
                    user=row.user_id,
                    role=row.role,
                ),
                "info",
            )
        self.after_model_change(form, row, True)
        return row

    def update_model(self, form: EditGrantForm, model: Role) -> bool:
        try:
            grants.set_scope(self.session, model, **_scope(form), custom_title=form.custom_title.data)
            self.session.commit()
        except ValueError as error:
            self.session.rollback()
            flash(str(error), "error")
            return False
        self.after_model_change(form, model, False)
        return True

    def delete_model(self, model: Role) -> bool:
        user_id, role = model.user_id, model.role
        grants.revoke(self.session, user_id, role)
        self.session.commit()
        self.after_model_delete(model)
        return True

    def after_model_change(self, form, model: Role, is_created: bool) -> None:
        self._reapply(model.user_id)

    def after_model_delete(self, model: Role) -> None:
        self._reapply(model.user_id)

    def person(self, user_id: int) -> str:
        return lookups.person(self.session, user_id)

    def _reapply(self, user_id: int) -> None:
        problem = grants.reapply_roles(self.settings, user_id)
        if problem:
            flash(_("Saved, but not applied in the groups yet (%(problem)s).", problem=problem), "warning")
