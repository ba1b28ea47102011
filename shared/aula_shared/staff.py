"""Pages of the staff admin that a component contributes.

catalog-api hosts the staff admin at /admin (the contract), with its login. The other components own tables
the staff must see and edit too — roles and cases (moderation), welcome texts and filters (onboarding),
charts (stats) — so a component names a `staff_views` callable in its `Component`, and the host calls it with
the Flask-Admin instance. The pages live in the component's package and write only the component's own
database, through the session `database_session` gives them: the host process is only where they are served
(the way Django's admin hosts each app's admin module).

Import this module only from staff pages: it needs Flask-Admin and Flask-Login (`aula-shared[staff]`).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

from flask import Flask, redirect, request, url_for
from flask_admin import Admin, BaseView
from flask_admin.contrib.sqla import ModelView
from flask_admin.form import SecureForm
from flask_login import current_user
from sqlalchemy.orm import scoped_session, sessionmaker

from aula_shared import components
from aula_shared.db import engine_for
from aula_shared.settings import Settings
from aula_shared.staff_babel import register_package

StaffViews = Callable[[Admin, Settings], None]


class StaffOnly:
    """Every staff page needs a logged-in staff member; anyone else is sent to the login page."""

    def is_accessible(self) -> bool:
        return current_user.is_authenticated

    def inaccessible_callback(self, name, **kwargs):
        return redirect(url_for("staff_auth.login", next=request.full_path.rstrip("?")))


class StaffModelView(StaffOnly, ModelView):
    """A table staff browse (and, where the view allows, edit), with a CSRF token in every form and button."""

    form_base_class = SecureForm
    can_view_details = True
    can_export = False
    page_size = 50

    def __init__(self, model, session, **kwargs) -> None:
        with warnings.catch_warnings():
            # Flask-Admin 2 prefers a Flask-SQLAlchemy `db` object; a scoped session is what Aula has.
            warnings.filterwarnings("ignore", "Passing a session object directly", DeprecationWarning)
            super().__init__(model, session, **kwargs)


class StaffPage(StaffOnly, BaseView):
    """A free-form staff page (charts, a form that calls a service)."""


def database_session(app: Flask, database_url: str) -> scoped_session:
    """One session per request thread on `database_url`, removed when the request ends."""
    session = scoped_session(sessionmaker(bind=engine_for(database_url), expire_on_commit=False))

    @app.teardown_appcontext
    def _remove_session(_error=None) -> None:
        session.remove()

    return session


def add_component_views(admin: Admin, settings: Settings) -> list[str]:
    """Let every installed component that has staff pages add them; returns the components' names.

    A component's package with gettext catalogs (`<package>/locale/`) has them added to the staff admin's
    texts here, so its pages translate with `lazy_gettext`/`_` and nothing else to wire (aula_shared.staff_babel).
    """
    added = []
    for component in components.discover():
        if component.staff_views:
            register_package(admin.app, component.staff_views.split(":")[0].split(".")[0])
            views: StaffViews = components.load(component.staff_views)
            views(admin, settings)
            added.append(component.name)
    return added
