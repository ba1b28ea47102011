"""The network blocklist (read-only) and the bot whitelist in the staff admin.

The blocklist is shown, not edited: lifting a network ban means unbanning the user chat by chat, which only
/superfree does (a job tied to the command that asked for it, with its case in the log); removing the row alone
would leave every ban in place. Entries come from /superban, the rules gate and the external list.
"""

from __future__ import annotations

from flask import flash
from flask_admin.contrib.sqla.filters import FilterEqual, IntEqualFilter
from flask_admin.form import SecureForm
from sqlalchemy.exc import IntegrityError
from wtforms import StringField
from wtforms.validators import InputRequired, Regexp

from aula_moderation.admin import lookups
from aula_moderation.models import BlockedUser, WhitelistedBot
from aula_moderation.staff_commands import BOT_USERNAME
from aula_shared.staff import StaffModelView


class BlocklistView(lookups.NamesShown, StaffModelView):
    can_create = can_edit = can_delete = False
    named_filter_urls = True
    person_columns = ("user_id", "issuer_id")
    column_list = ("user_id", "source", "reason", "until", "issuer_id", "created_at")
    column_labels = {"user_id": "User", "issuer_id": "Issuer", "until": "Until", "created_at": "Since"}
    column_sortable_list = ("user_id", "source", "created_at", "until")
    column_default_sort = ("created_at", True)
    column_searchable_list = ("reason",)
    column_formatters = {
        "user_id": lookups.person_cell,
        "issuer_id": lookups.person_cell,
        "until": lambda _v, _c, model, _n: lookups.when(model.until) if model.until else "permanent",
        "created_at": lookups.when_cell,
    }
    list_template = "moderation_admin/blocklist.html"

    def __init__(self, session, **kwargs) -> None:
        self.column_filters = [
            FilterEqual(BlockedUser.source, "Source", options=[(s, s) for s in ("superban", "admin", "external")]),
            IntEqualFilter(BlockedUser.user_id, "User id"),
            lookups.PersonNameFilter(BlockedUser.user_id, "User"),
        ]
        super().__init__(BlockedUser, session, **kwargs)


class WhitelistForm(SecureForm):
    username = StringField(
        "Bot username",
        validators=[InputRequired(), Regexp(BOT_USERNAME, message="a bot's username, e.g. @some_bot (ends in bot)")],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        description="Anyone may add this bot to a managed group (others added by non-staff are removed).",
    )


class WhitelistView(lookups.NamesShown, StaffModelView):
    """Bots anyone may add to a group, as /whitelistbot does."""

    can_edit = False
    can_view_details = False
    person_columns = ("whitelisted_by",)
    column_list = ("username", "whitelisted_by", "created_at")
    column_labels = {"whitelisted_by": "By", "created_at": "Since"}
    column_default_sort = "username"
    column_searchable_list = ("username",)
    column_formatters = {
        "username": lambda _v, _c, model, _n: f"@{model.username}",
        "whitelisted_by": lambda view, _c, model, _n: (
            lookups.person(view.session, model.whitelisted_by) if model.whitelisted_by else "staff admin"
        ),
        "created_at": lookups.when_cell,
    }

    def __init__(self, session, **kwargs) -> None:
        super().__init__(WhitelistedBot, session, **kwargs)

    def get_create_form(self):
        return WhitelistForm

    def create_model(self, form: WhitelistForm):
        # Stored as the handler compares it: lower case, no "@".
        username = BOT_USERNAME.match(form.username.data).group(1).lower()
        if self.session.get(WhitelistedBot, username) is not None:
            flash(f"@{username} is already whitelisted.", "error")
            return False
        row = WhitelistedBot(username=username, whitelisted_by=None)
        self.session.add(row)
        try:
            self.session.commit()
        except IntegrityError:  # whitelisted meanwhile, by /whitelistbot or another staff member
            self.session.rollback()
            flash(f"@{username} is already whitelisted.", "error")
            return False
        return row
