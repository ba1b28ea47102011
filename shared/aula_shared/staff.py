"""Pages of the staff admin that a component contributes.

catalog-api hosts the staff admin at /admin (the contract), with its login. The other components own tables
the staff must see and edit too — roles and cases (moderation), welcome texts and filters (onboarding),
charts (stats) — so a component names a `staff_views` callable in its `Component`, and the host calls it with
the Flask-Admin instance. The pages live in the component's package and write only the component's own
database, through the session `database_session` gives them: the host process is only where they are served
(the way Django's admin hosts each app's admin module).

Areas and history. Every page belongs to an area — catalog, moderation, onboarding, statistics, staff (the staff
accounts and the audit log) — and a login may open only the pages of its areas (`current_user.areas`); the
others answer 403 and are not in its menu. A view declares `staff_area`, or its endpoint says it
(`moderation_*`, `onboarding_*`, `stats_*`, `staff_*`); a view whose area cannot be told is open only to logins
with every area. Every change made through the admin is recorded (who, when, what, before and after): model
views' create/update/delete by snapshots of the row, any other POST by what it submitted. The host gives the
entries a place to go (`init_staff_audit`); catalog-api keeps them with the logins.

Import this module only from staff pages: it needs Flask-Admin and Flask-Login (`aula-shared[staff]`).
"""

from __future__ import annotations

import datetime
import decimal
import enum
import functools
import re
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, Response, abort, current_app, g, redirect, request, url_for
from flask_admin import Admin, BaseView
from flask_admin.contrib.sqla import ModelView
from flask_admin.form import SecureForm
from flask_login import current_user
from sqlalchemy import inspect as sqlalchemy_inspect
from sqlalchemy.orm import scoped_session, sessionmaker

from aula_shared import components
from aula_shared.db import engine_for
from aula_shared.settings import Settings
from aula_shared.staff_babel import register_package

StaffViews = Callable[[Admin, Settings], None]

# The areas a staff login may be given (`aula staff create-user --areas`); "staff": the logins and the audit log.
AREAS = ("catalog", "moderation", "onboarding", "statistics", "staff")
# A page every login may open (the admin's home).
EVERY_LOGIN = "*"
# Where a view does not say its area, its endpoint does.
ENDPOINT_AREAS = (
    ("moderation_", "moderation"),
    ("onboarding_", "onboarding"),
    ("stats_", "statistics"),
    ("staff_", "staff"),
)


def parse_areas(text: str) -> tuple[str, ...]:
    """ "all" or comma-separated area names -> the areas, in AREAS' order; ValueError naming a wrong one."""
    names = {name.strip() for name in text.split(",") if name.strip()}
    if names == {"all"}:
        return AREAS
    unknown = sorted(names - set(AREAS))
    if unknown or not names:
        raise ValueError(f"unknown area {', '.join(unknown) or '(none)'}; areas: all or {', '.join(AREAS)}")
    return tuple(area for area in AREAS if area in names)


def area_of(view: BaseView) -> str | None:
    """The view's area: what it declares, else what its endpoint says; None when neither tells."""
    declared = getattr(view, "staff_area", None)
    if declared:
        return declared
    for prefix, area in ENDPOINT_AREAS:
        if (view.endpoint or "").startswith(prefix):
            return area
    return None


def may_open(area: str | None) -> bool:
    """Whether the logged-in staff member's areas include `area` (None: only a login with every area)."""
    if not current_user.is_authenticated:
        return False
    if area == EVERY_LOGIN:
        return True
    granted = set(getattr(current_user, "areas", ()))
    return area in granted if area else granted >= set(AREAS)


class StaffOnly:
    """Every staff page needs a logged-in staff member with the page's area: anyone else is sent to the login
    page, a login without the area gets 403 (and the page is not in its menu)."""

    staff_area: str | None = None

    def is_accessible(self) -> bool:
        return may_open(area_of(self))

    def inaccessible_callback(self, name, **kwargs):
        if current_user.is_authenticated:
            abort(403)  # the host's page for 403 says it in the staff member's language
        return redirect(url_for("staff_auth.login", next=request.full_path.rstrip("?")))


# --- the audit log ------------------------------------------------------------------------------------------------

SECRET_NAME = re.compile(r"password|passwd|secret|token|hash|api_key|csrf", re.IGNORECASE)
# Columns and fields that hold a Telegram user's id: an entry naming a person is part of `aula users export`.
PERSON_KEYS = frozenset(
    {"user_id", "telegram_user_id", "target_id", "issuer_id", "whitelisted_by", "verified_by", "decided_by"}
)
PERSON_MODELS = frozenset({"TelegramUser"})  # models whose own id is a Telegram user's


@dataclass(frozen=True)
class AuditEntry:
    """One change made through the staff admin."""

    staff_user_id: int | None
    staff_username: str
    area: str | None
    view: str  # the endpoint, e.g. "moderation_roles.edit_view"
    action: str  # create, update, delete, post
    model: str | None = None
    object_id: str | None = None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    status: int | None = None
    people: tuple[int, ...] = field(default=())


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return _jsonable(value.value)
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return f"<{len(bytes(value))} bytes>"
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(item) for item in value]
    if isinstance(value, Mapping):
        return {str(key): _jsonable(item) for key, item in value.items()}
    return str(value)


def _redacted(values: Mapping[str, Any]) -> dict[str, Any]:
    return {key: ("<hidden>" if SECRET_NAME.search(key) else _jsonable(value)) for key, value in values.items()}


def snapshot(model: Any) -> dict[str, Any] | None:
    """A row's columns as JSON values, secrets hidden; None for what is not a mapped row."""
    try:
        mapper = sqlalchemy_inspect(model).mapper
    except Exception:  # not a mapped object (True, a form, a tuple…)
        return None
    return _redacted({attribute.key: getattr(model, attribute.key, None) for attribute in mapper.column_attrs})


def form_values(form: Any) -> dict[str, Any]:
    """What a form submitted, secrets and the CSRF token left out."""
    data = getattr(form, "data", form)
    if hasattr(data, "to_dict"):
        data = data.to_dict(flat=True)
    return {key: value for key, value in _redacted(dict(data or {})).items() if value != "<hidden>"}


def people_named(model: str | None, *values: Mapping[str, Any] | None) -> tuple[int, ...]:
    """Telegram user ids an entry names (its values' person columns; a Telegram user row's own id)."""
    found: set[int] = set()
    for row in values:
        for key, value in (row or {}).items():
            person = key in PERSON_KEYS or key.endswith("_user_id") or (key == "id" and model in PERSON_MODELS)
            if person and value not in (None, ""):
                try:
                    found.add(int(value))
                except (TypeError, ValueError):
                    continue
    return tuple(sorted(found))


def record_change(
    action: str,
    *,
    model: str | None = None,
    object_id: Any = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    status: int | None = None,
) -> None:
    """Record a change made in this request by the logged-in staff member (pages may call it themselves)."""
    g.aula_staff_audited = True
    sink = current_app.extensions.get("aula_staff_audit")
    if sink is None:
        return
    sink(
        AuditEntry(
            staff_user_id=getattr(current_user, "id", None),
            staff_username=getattr(current_user, "username", "?"),
            area=_request_area(),
            view=request.endpoint or request.path,
            action=action,
            model=model,
            object_id=None if object_id is None else str(object_id),
            before=before,
            after=after,
            status=status,
            people=people_named(model, before, after),
        )
    )


def _request_view() -> BaseView | None:
    for admin in current_app.extensions.get("admin", []):
        for view in admin._views:
            if view.endpoint == request.blueprint:
                return view
    return None


def _request_area() -> str | None:
    view = _request_view()
    return area_of(view) if view is not None else None


def _audited(action: str, method: Callable) -> Callable:
    """A model view's create/update/delete, recorded with the row before and after (once per request, however
    many overrides call each other through super())."""

    @functools.wraps(method)
    def audited(self, *args, **kwargs):
        if g.get("aula_staff_audit_depth"):
            return method(self, *args, **kwargs)
        model_name = getattr(self.model, "__name__", None)
        form = args[0] if action in ("create", "update") else None
        row = args[1] if action == "update" else (args[0] if action == "delete" else None)
        before = snapshot(row) if row is not None else None
        object_id = self.get_pk_value(row) if row is not None else None
        g.aula_staff_audit_depth = 1
        try:
            result = method(self, *args, **kwargs)
        finally:
            g.aula_staff_audit_depth = 0
        if not result:
            return result
        after = None
        if action == "create":
            after = snapshot(result) or form_values(form)
            object_id = self.get_pk_value(result) if snapshot(result) is not None else None
        elif action == "update":
            after = snapshot(row)
            if after == before:  # the change went through a service function, not this row object
                after = form_values(form)
        record_change(action, model=model_name, object_id=object_id, before=before, after=after)
        return result

    audited.aula_audited = True
    return audited


# Flask-Admin's own endpoints whose changes the model views' wrappers record.
_MODEL_ENDPOINTS = ("create_view", "edit_view", "delete_view", "action_view", "ajax_update")


def _saved(response: Response) -> bool:
    """A POST that changed something: redirected (a page that saved sends the browser on; one that refused shows
    its form again with the errors), or answered 2xx with data rather than a page (a button's JSON call)."""
    if 300 <= response.status_code < 400:
        return True
    return 200 <= response.status_code < 300 and response.mimetype != "text/html"


def init_staff_audit(app: Flask, sink: Callable[[AuditEntry], None], url: str = "/admin") -> None:
    """Entries go to `sink`; any other POST under the admin that saved (see _saved) is recorded by what it
    submitted, unless the page recorded its change itself (record_change)."""
    app.extensions["aula_staff_audit"] = sink

    @app.after_request
    def _audit_posts(response: Response) -> Response:
        if (
            request.method == "POST"
            and request.path.startswith(url)
            and _saved(response)
            and not g.get("aula_staff_audited")
            and current_user.is_authenticated
            and request.blueprint not in (None, "staff_auth")
            and (request.endpoint or "").rpartition(".")[2] not in _MODEL_ENDPOINTS
        ):
            record_change("post", after=form_values(request.form), status=response.status_code)
        return response


class StaffModelView(StaffOnly, ModelView):
    """A table staff browse (and, where the view allows, edit), with a CSRF token in every form and button.

    Its create/update/delete — and any a subclass defines — are recorded in the audit log."""

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        for name, action in (("create_model", "create"), ("update_model", "update"), ("delete_model", "delete")):
            method = cls.__dict__.get(name)
            if method is not None and not getattr(method, "aula_audited", False):
                setattr(cls, name, _audited(action, method))

    form_base_class = SecureForm
    can_view_details = True
    can_export = False
    page_size = 50

    def __init__(self, model, session, **kwargs) -> None:
        with warnings.catch_warnings():
            # Flask-Admin 2 prefers a Flask-SQLAlchemy `db` object; a scoped session is what Aula has.
            warnings.filterwarnings("ignore", "Passing a session object directly", DeprecationWarning)
            super().__init__(model, session, **kwargs)

    create_model = _audited("create", ModelView.create_model)
    update_model = _audited("update", ModelView.update_model)
    delete_model = _audited("delete", ModelView.delete_model)


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
    check_views(admin)
    return added


def check_views(admin: Admin) -> None:
    """Every page of the admin is a staff page (login, area) with an area it belongs to."""
    for view in admin._views:
        if not isinstance(view, StaffOnly):
            raise TypeError(f"staff page {view.endpoint!r} is not a StaffOnly view: it would be open to anyone")
        area = area_of(view)
        if area != EVERY_LOGIN and area not in AREAS:
            raise ValueError(f"staff page {view.endpoint!r} has no area; declare staff_area (one of {AREAS})")
