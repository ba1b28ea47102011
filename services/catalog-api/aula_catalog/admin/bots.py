"""The bots Aula runs, in the "staff accounts" area: who they are, their tokens masked, their webhooks — and
a Delete that stops one, as `aula bots remove` does.

Adding a bot stays with `aula bots add`: it needs the token typed once, Telegram's getMe and setWebhook, and a
webhook secret generated on the spot — a form would put the token through the browser and the audit log for no
gain. Stopping a bot is what staff need in a hurry (a token leaked, a bot misbehaving): the row is kept
inactive, and every gateway hears of it at once and refuses the bot's updates from then on.
"""

from __future__ import annotations

from flask import flash
from markupsafe import Markup, escape
from sqlalchemy.orm import scoped_session

from aula_shared.platform import changes, registry
from aula_shared.platform.models import Bot, mask_token
from aula_shared.settings import Settings
from aula_shared.staff import StaffModelView
from aula_shared.staff_babel import _, lazy_gettext


def _token(view, context, model, name) -> str:
    return mask_token(model.token)


def _username(view, context, model, name) -> Markup:
    return Markup("@{}").format(escape(model.username)) if model.username else Markup("")


class BotView(StaffModelView):
    """Registered, running bots; Delete stops one (the registry keeps it inactive, `aula bots add` restarts it)."""

    staff_area = "staff"
    can_create = can_edit = False
    can_delete = True
    can_view_details = False
    column_list = ("id", "username", "token", "webhook_url", "created_at", "updated_at")
    column_default_sort = "id"
    column_formatters = {"token": _token, "username": _username}
    column_labels = {
        "id": lazy_gettext("Bot id"),
        "username": lazy_gettext("Username"),
        "token": lazy_gettext("Token"),
        "webhook_url": lazy_gettext("Webhook"),
        "created_at": lazy_gettext("Added"),
        "updated_at": lazy_gettext("Changed"),
    }
    column_descriptions = {"token": lazy_gettext("Masked: the whole token is never shown.")}

    def __init__(self, session: scoped_session, settings: Settings, **kwargs) -> None:
        self.settings = settings
        super().__init__(Bot, session, **kwargs)

    def get_query(self):
        return super().get_query().filter(Bot.active.is_(True))

    def get_count_query(self):
        return super().get_count_query().filter(Bot.active.is_(True))

    def get_one(self, id):
        bot = super().get_one(id)
        return bot if bot is not None and bot.active else None

    def delete_model(self, model: Bot) -> bool:
        if not registry.remove_bot(self.settings.database_url_for("platform"), model.id):
            flash(_("Bot %(id)s is not running.", id=model.id), "error")
            return False
        self.session.expire(model)
        if not changes.announce(self.settings.redis_url):
            flash(_("The gateways could not be told at once; they stop the bot within 30 seconds."), "warning")
        flash(_("Bot %(id)s stopped: its updates are refused from now on.", id=model.id), "success")
        return True
