"""Statistics pages in the staff admin (hosted by catalog-api, see aula_shared.staff): charts drawn from the
stats database (menu "Statistics"), and profile history. They only read."""

from __future__ import annotations

from flask import Blueprint
from flask_admin import Admin

from aula_shared.settings import Settings
from aula_shared.staff import database_session


def add_views(admin: Admin, settings: Settings) -> None:
    session = database_session(admin.app, settings.database_url_for("stats"))
    from aula_stats.admin import charts, profiles

    # Only for its template folder (stats_admin/…), which joins the app's template search path.
    admin.app.register_blueprint(Blueprint("stats_admin", __name__, template_folder="templates"))
    charts.add_views(admin, session)
    profiles.add_views(admin, session)
