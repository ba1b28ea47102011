"""Moderation's and onboarding's pages in the staff admin (hosted by catalog-api, see aula_shared.staff).

Each domain keeps its pages beside its models (`roles/admin.py`, `log/admin.py`…); this module only puts them
in the admin's menu, in order.
"""

from __future__ import annotations

from flask import Blueprint
from flask_admin import Admin

from aula_shared.settings import Settings
from aula_shared.staff import database_session
from aula_shared.staff_babel import lazy_gettext

CATEGORY = lazy_gettext("Moderation")


def add_views(admin: Admin, settings: Settings) -> None:
    from aula_moderation.chats import admin as chats
    from aula_moderation.chats import settings_admin
    from aula_moderation.log import admin as log
    from aula_moderation.network import admin as network
    from aula_moderation.network import admin_jobs
    from aula_moderation.onboarding import admin as onboarding
    from aula_moderation.roles import admin as roles

    session = database_session(admin.app, settings.database_url_for("moderation"))
    # Our templates (moderation_admin/…) join the app's search path through a blueprint with no routes.
    admin.app.register_blueprint(Blueprint("moderation_admin", __name__, template_folder="templates"))
    admin.add_view(
        roles.RoleView(session, settings, name=lazy_gettext("Roles"), category=CATEGORY, endpoint="moderation_roles")
    )
    admin.add_view(log.CaseView(session, name=lazy_gettext("Cases"), category=CATEGORY, endpoint="moderation_cases"))
    admin.add_view(
        admin_jobs.JobView(session, name=lazy_gettext("Network jobs"), category=CATEGORY, endpoint="moderation_jobs")
    )
    admin.add_view(
        network.BlocklistView(
            session, settings, name=lazy_gettext("Blocklist"), category=CATEGORY, endpoint="moderation_blocklist"
        )
    )
    admin.add_view(
        network.WhitelistView(
            session, name=lazy_gettext("Bot whitelist"), category=CATEGORY, endpoint="moderation_bots"
        )
    )
    admin.add_view(
        chats.ManagedChatView(
            session, name=lazy_gettext("Managed chats"), category=CATEGORY, endpoint="moderation_chats"
        )
    )
    admin.add_view(
        settings_admin.SettingsView(
            session,
            name=lazy_gettext("Settings"),
            category=CATEGORY,
            endpoint="moderation_settings",
            url="moderation/settings",
        )
    )
    onboarding.add_views(admin, session, settings)
