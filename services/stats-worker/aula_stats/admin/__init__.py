"""Statistics pages in the staff admin (hosted by catalog-api, see aula_shared.staff)."""

from __future__ import annotations

from flask_admin import Admin

from aula_shared.settings import Settings
from aula_shared.staff import database_session


def add_views(admin: Admin, settings: Settings) -> None:
    session = database_session(admin.app, settings.database_url_for("stats"))
    del session  # filled in by the charts work
