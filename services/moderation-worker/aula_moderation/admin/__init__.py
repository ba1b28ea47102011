"""Moderation's and onboarding's pages in the staff admin (hosted by catalog-api, see aula_shared.staff)."""

from __future__ import annotations

from flask_admin import Admin

from aula_shared.settings import Settings
from aula_shared.staff import database_session


def add_views(admin: Admin, settings: Settings) -> None:
    session = database_session(admin.app, settings.database_url_for("moderation"))
    from aula_moderation.admin import moderation
    from aula_moderation.onboarding import admin as onboarding

    moderation.add_views(admin, session, settings)
    onboarding.add_views(admin, session, settings)
