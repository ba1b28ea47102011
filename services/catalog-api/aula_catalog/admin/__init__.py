"""The staff admin at /admin: Flask-Admin views of every catalog entity, behind a login.

Security: scrypt password hashes (`aula staff create-user`), CSRF tokens in the login form and in every
admin form, session cookies HttpOnly, SameSite=Lax and Secure (outside embedded mode), a brake on password
guessing, and pages that tell search engines to stay away. Nothing here logs a password.

Languages: Italian or English, each staff member's choice (stored with the login, switched in the menu bar);
Flask-Babel over every component's catalogs (aula_shared.staff_babel), Flask-Admin's own texts included.
"""

from __future__ import annotations

from flask import Flask, Response, render_template, request
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme
from sqlalchemy.orm import scoped_session

from aula_catalog.admin import views
from aula_catalog.admin.audit import AuditView, StaffUserView, init_audit
from aula_catalog.admin.auth import init_auth, staff_language_choice
from aula_catalog.admin.bots import BotView
from aula_catalog.models import Professor, TelegramGroup, TelegramUser
from aula_shared.staff import add_component_views, check_views, database_session
from aula_shared.staff_babel import init_staff_babel, lazy_gettext, register_package


def init_admin(app: Flask) -> Admin:
    state = app.extensions["aula_catalog"]
    session = database_session(app, state.database_url)

    init_staff_babel(app, staff_language_choice)
    register_package(app, "aula_catalog")
    init_auth(app)
    admin = Admin(
        app,
        name=lazy_gettext("Aula staff"),
        url="/admin",
        index_view=views.StaffIndexView(url="/admin", name=lazy_gettext("Home")),
        theme=Bootstrap4Theme(base_template="admin/aula_master.html", fluid=True),
    )
    _add_views(admin, session)
    init_audit(app, state.database_url)
    # Moderation, onboarding and statistics pages, from their own packages when installed (aula_shared.staff).
    add_component_views(admin, state.settings)
    staff = lazy_gettext("Staff accounts")
    admin.add_view(StaffUserView(session, name=lazy_gettext("Logins"), category=staff, endpoint="staff_users"))
    admin.add_view(AuditView(session, name=lazy_gettext("Audit log"), category=staff, endpoint="staff_audit"))
    platform = database_session(app, state.settings.database_url_for("platform"))
    admin.add_view(BotView(platform, state.settings, name=lazy_gettext("Bots"), category=staff, endpoint="staff_bots"))
    check_views(admin)

    @app.errorhandler(403)
    def _forbidden(error):
        if not request.path.startswith("/admin"):
            return error
        return render_template("staff/forbidden.html"), 403

    @app.after_request
    def _admin_headers(response: Response) -> Response:
        if request.path.startswith("/admin"):
            response.headers.setdefault("Cache-Control", "no-store")
            response.headers["X-Robots-Tag"] = "noindex, nofollow"
            response.headers["X-Frame-Options"] = "DENY"
            response.headers["X-Content-Type-Options"] = "nosniff"
            response.headers["Referrer-Policy"] = "same-origin"
        return response

    return admin


def _add_views(admin: Admin, session: scoped_session) -> None:
    university = lazy_gettext("University")
    telegram = lazy_gettext("Telegram")
    admin.add_view(
        views.DepartmentView(session, name=lazy_gettext("Departments"), category=university, endpoint="departments")
    )
    admin.add_view(views.DegreeView(session, name=lazy_gettext("Degrees"), category=university, endpoint="degrees"))
    admin.add_view(views.CourseView(session, name=lazy_gettext("Courses"), category=university, endpoint="courses"))
    admin.add_view(
        views.ProfessorView(
            Professor, session, name=lazy_gettext("Professors"), category=university, endpoint="professors"
        )
    )
    admin.add_view(
        views.DegreeLinkView(
            views.DegreeLink, session, name=lazy_gettext("Degree links"), category=university, endpoint="degree_links"
        )
    )
    admin.add_view(
        views.RepresentativeView(
            session, name=lazy_gettext("Representatives"), category=university, endpoint="representatives"
        )
    )
    admin.add_view(
        views.FeaturedGroupView(
            session, name=lazy_gettext("Featured groups"), category=telegram, endpoint="featured_groups"
        )
    )
    admin.add_view(
        views.TelegramGroupView(
            TelegramGroup, session, name=lazy_gettext("Telegram groups"), category=telegram, endpoint="telegram_groups"
        )
    )
    admin.add_view(
        views.TelegramUserView(
            TelegramUser, session, name=lazy_gettext("Telegram users"), category=telegram, endpoint="telegram_users"
        )
    )
    admin.add_view(
        views.GroupAdminView(session, name=lazy_gettext("Group admins"), category=telegram, endpoint="group_admins")
    )
