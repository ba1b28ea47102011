"""The network blocklist and the bot whitelist in the staff admin.

Adding to the blocklist is a network ban, exactly as /superban: the entry (enforced again on every join, join
request and message), a case, and a job that bans the user chat by chat, run by the worker. Removing an entry
is /superfree: the entry goes and a job unbans the user everywhere — deleting the row alone would leave every
chat's ban in place. Entries also come from /superban, the rules gate and the external list.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import flash
from flask_admin.contrib.sqla.filters import FilterEqual, IntEqualFilter
from flask_admin.form import SecureForm
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from wtforms import IntegerField, StringField, ValidationError
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from aula_moderation import staff_lookups as lookups
from aula_moderation import task_names, worker_requests
from aula_moderation.chats import records as chats
from aula_moderation.durations import MAX_DURATION, MIN_DURATION, parse_duration
from aula_moderation.log import log_chat as modlog
from aula_moderation.log import stats_events
from aula_moderation.log.models import Case
from aula_moderation.network import jobs as network
from aula_moderation.network.models import BOT_USERNAME, BlockedUser, WhitelistedBot
from aula_shared.redis import client as redis_client
from aula_shared.settings import Settings
from aula_shared.staff import StaffModelView
from aula_shared.staff_babel import _, lazy_gettext


class NetworkBanForm(SecureForm):
    user_id = IntegerField(lazy_gettext("Telegram user id"), validators=[InputRequired(), NumberRange(min=1)])
    reason = StringField(lazy_gettext("Reason"), validators=[InputRequired(), Length(max=500)])
    duration = StringField(
        lazy_gettext("Duration"),
        validators=[Optional()],
        description=lazy_gettext("As in /superban: 30m 2h 7d 1w (from 1 minute to 366 days); empty = permanent."),
    )

    def validate_duration(self, field) -> None:
        if field.data:
            parsed = parse_duration(field.data.strip())
            if parsed is None or not MIN_DURATION <= parsed <= MAX_DURATION:
                raise ValidationError(_("a duration such as 30m, 2h, 7d or 1w, from 1 minute to 366 days"))


class BlocklistView(lookups.NamesShown, StaffModelView):
    can_edit = False
    named_filter_urls = True
    person_columns = ("user_id", "issuer_id")
    column_list = ("user_id", "source", "reason", "until", "issuer_id", "created_at")
    column_labels = {
        "user_id": lazy_gettext("User"),
        "issuer_id": lazy_gettext("Issuer"),
        "until": lazy_gettext("Until"),
        "created_at": lazy_gettext("Since"),
    }
    column_sortable_list = ("user_id", "source", "created_at", "until")
    column_default_sort = ("created_at", True)
    column_searchable_list = ("reason",)
    column_formatters = {
        "user_id": lookups.person_cell,
        "issuer_id": lookups.person_cell,
        "until": lambda _v, _c, model, _n: lookups.when(model.until) if model.until else _("permanent"),
        "created_at": lookups.when_cell,
    }

    def __init__(self, session, settings: Settings, **kwargs) -> None:
        self.settings = settings
        self.column_filters = [
            FilterEqual(
                BlockedUser.source, lazy_gettext("Source"), options=[(s, s) for s in ("superban", "admin", "external")]
            ),
            IntEqualFilter(BlockedUser.user_id, lazy_gettext("User id")),
            lookups.PersonNameFilter(BlockedUser.user_id, lazy_gettext("User")),
        ]
        super().__init__(BlockedUser, session, **kwargs)

    def get_create_form(self):
        return NetworkBanForm

    def create_model(self, form: NetworkBanForm):
        user_id, reason = form.user_id.data, form.reason.data.strip()
        duration = parse_duration(form.duration.data.strip()) if form.duration.data else None
        until = datetime.now(UTC) + duration if duration else None
        job = network.ban_everywhere(self.session, user_id, source="admin", reason=reason, until=until, issuer_id=None)
        self._record("MODERATION_SUPERBAN", user_id, reason, until, job.id)
        self._run(job.id, _("banned in every managed chat they are in"))
        return self.session.get(BlockedUser, user_id)

    def delete_model(self, model: BlockedUser) -> bool:
        user_id = model.user_id
        job = network.lift_everywhere(self.session, user_id, issuer_id=None)
        self._record("MODERATION_SUPERFREE", user_id, None, None, job.id)
        self._run(job.id, _("unbanned in every managed chat"))
        return True

    def _record(self, event: str, user_id: int, reason: str | None, until, job_id: int) -> None:
        """The case, as /superban and /superfree store it; the staff login stands where a Telegram issuer would."""
        note = f"staff admin: {current_user.username}"
        case = Case(
            event=event, chat_id=None, network=True, target_id=user_id, issuer_id=None,
            reason=f"{reason} ({note})" if reason else note, until=until, job_id=job_id,
        )  # fmt: skip
        self.session.add(case)
        bot_id = chats.any_managed_bot(self.session)
        if self.settings.log_chat_id is not None and bot_id is not None:
            modlog.enqueue(
                self.session, case, bot_id, language=self.settings.default_language
            )  # the log chat hears of it within a flush (≤ 30 s)
        connection = redis_client(self.settings.redis_url) if self.settings.redis_url else None
        stats_events.publish_case(self.session, case, connection)  # counted in stats' actions per day
        self.session.commit()

    def _run(self, job_id: int, effect: str) -> None:
        problem = worker_requests.send(self.settings, task_names.NETWORK_JOB, job_id)
        if problem is None:
            flash(_("Network job %(job)s started: the user is %(effect)s.", job=job_id, effect=effect), "success")
        else:
            flash(
                _(
                    "Stored, but the job is not running yet (%(problem)s); the worker's sweep will pick it up.",
                    problem=problem,
                ),
                "warning",
            )


def _bot_username(_form, field) -> None:
    # What wtforms' Regexp checks, with its message translated when shown (Flask-Admin lists only str errors).
    if not BOT_USERNAME.match(field.data or ""):
        raise ValidationError(_("a bot's username, e.g. @some_bot (ends in bot)"))


class WhitelistForm(SecureForm):
    username = StringField(
        lazy_gettext("Bot username"),
        validators=[
            InputRequired(),
            _bot_username,
        ],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        description=lazy_gettext("Anyone may add this bot to a managed group (others added by non-staff are removed)."),
    )


class WhitelistView(lookups.NamesShown, StaffModelView):
    """Bots anyone may add to a group, as /whitelistbot does."""

    can_edit = False
    can_view_details = False
    person_columns = ("whitelisted_by",)
    column_list = ("username", "whitelisted_by", "created_at")
    column_labels = {"whitelisted_by": lazy_gettext("By"), "created_at": lazy_gettext("Since")}
    column_default_sort = "username"
    column_searchable_list = ("username",)
    column_formatters = {
        "username": lambda _v, _c, model, _n: f"@{model.username}",
        "whitelisted_by": lambda view, _c, model, _n: (
            lookups.person(view.session, model.whitelisted_by) if model.whitelisted_by else _("staff admin")
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
            flash(_("@%(bot)s is already whitelisted.", bot=username), "error")
            return False
        row = WhitelistedBot(username=username, whitelisted_by=None)
        self.session.add(row)
        try:
            self.session.commit()
        except IntegrityError:  # whitelisted meanwhile, by /whitelistbot or another staff member
            self.session.rollback()
            flash(_("@%(bot)s is already whitelisted.", bot=username), "error")
            return False
        return row
