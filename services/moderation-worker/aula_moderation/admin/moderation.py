"""Roles, cases, network-ban jobs, the blocklist, the bot whitelist and the managed chats in the staff admin."""

from __future__ import annotations

from flask import Blueprint
from flask_admin import Admin
from sqlalchemy.orm import scoped_session

from aula_moderation.admin import cases, chats, lists, roles
from aula_shared.settings import Settings

CATEGORY = "Moderation"


def add_views(admin: Admin, session: scoped_session, settings: Settings) -> None:
    # Our templates (moderation_admin/…) join the app's search path through a blueprint with no routes.
    admin.app.register_blueprint(Blueprint("moderation_admin", __name__, template_folder="templates"))
    admin.add_view(roles.RoleView(session, settings, name="Roles", category=CATEGORY, endpoint="moderation_roles"))
    admin.add_view(cases.CaseView(session, name="Cases", category=CATEGORY, endpoint="moderation_cases"))
    admin.add_view(cases.JobView(session, name="Network jobs", category=CATEGORY, endpoint="moderation_jobs"))
    admin.add_view(
        lists.BlocklistView(session, settings, name="Blocklist", category=CATEGORY, endpoint="moderation_blocklist")
    )
    admin.add_view(lists.WhitelistView(session, name="Bot whitelist", category=CATEGORY, endpoint="moderation_bots"))
    admin.add_view(chats.ManagedChatView(session, name="Managed chats", category=CATEGORY, endpoint="moderation_chats"))
