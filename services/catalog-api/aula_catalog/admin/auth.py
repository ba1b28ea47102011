"""Staff logins: hashed passwords (scrypt), Flask-Login sessions, a CSRF-protected login form, and a
brake on password guessing.

The brake counts wrong passwords in Redis (the `limits` library, Flask-Limiter's engine), so every process of
every replica sees the same counts: per account from one client address (10 in 15 minutes), and per address
whatever the accounts (30 in 15 minutes, against trying one password on many accounts). The client's address
is the one CATALOG_TRUSTED_PROXIES lets through (werkzeug's ProxyFix in aula_catalog.app): behind Traefik, one
person guessing does not lock out the staff coming through the same proxy, and an X-Forwarded-For longer than
the trusted hops is not believed. Without Redis (the tests' bare apps) the counts are per process."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import Blueprint, Flask, current_app, flash, has_request_context, redirect, render_template, request, url_for
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from redis.exceptions import RedisError
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from aula_catalog.models import ALL_AREAS, StaffUser
from aula_shared.db import session_scope
from aula_shared.i18n import FALLBACK, LANGUAGES
from aula_shared.staff_babel import _, lazy_gettext, staff_language

log = logging.getLogger(__name__)

# A hash to check against when the username is unknown, so that both cases take the same time.
_DUMMY_HASH = generate_password_hash("not a real password")
PER_ACCOUNT = parse("10 per 15 minutes")  # wrong passwords for one account from one address
PER_ADDRESS = parse("30 per 15 minutes")  # wrong passwords from one address, whatever the accounts


class StaffUserExists(Exception):
    pass


class StaffUserMissing(Exception):
    pass


def create_staff_user(
    database_url: str,
    username: str,
    password: str,
    *,
    update: bool = False,
    language: str | None = None,
    areas: tuple[str, ...] | None = None,
) -> bool:
    """Create (True) or, with `update`, re-password (False) a staff login. `language`: its admin's language
    (a new login: Italian unless given; an updated one keeps its own unless given). `areas`: the parts of the
    admin it may open (a new login: all unless given; an updated one keeps its own unless given)."""
    with session_scope(database_url) as session:
        user = session.scalars(select(StaffUser).where(StaffUser.username == username)).first()
        if user is not None:
            if not update:
                raise StaffUserExists(username)
            user.password_hash = generate_password_hash(password)
            user.active = True
            user.language = language or user.language
            if areas is not None:
                user.areas = ",".join(areas)
            return False
        session.add(
            StaffUser(
                username=username,
                password_hash=generate_password_hash(password),
                active=True,
                language=language or FALLBACK,
                areas=ALL_AREAS if areas is None else ",".join(areas),
            )
        )
        return True


def set_staff_areas(database_url: str, username: str, areas: tuple[str, ...]) -> tuple[str, ...]:
    """Give a login exactly these areas; returns the areas it had. Effective from its next request."""
    with session_scope(database_url) as session:
        user = session.scalars(select(StaffUser).where(StaffUser.username == username)).first()
        if user is None:
            raise StaffUserMissing(username)
        before = split_areas(user.areas)
        user.areas = ",".join(areas)
        return before


def split_areas(stored: str | None) -> tuple[str, ...]:
    return tuple(area for area in (stored or "").split(",") if area)


@dataclass(frozen=True)
class StaffIdentity(UserMixin):
    """The logged-in staff member, detached from any database session."""

    id: int
    username: str
    language: str = FALLBACK
    areas: frozenset[str] = frozenset()  # the admin's areas it may open (aula_shared.staff)

    def get_id(self) -> str:
        return str(self.id)


class LoginForm(FlaskForm):
    username = StringField(lazy_gettext("Username"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(lazy_gettext("Password"), validators=[DataRequired(), Length(max=1024)])


class LogoutForm(FlaskForm):
    pass


class LanguageForm(FlaskForm):
    """The menu's language switch: only the CSRF token; the language is the pressed button's value."""


class LoginBrake:
    """Wrong passwords counted per (account, address) and per address, in a moving window shared through Redis.

    Redis unreachable: the counts of this process stand in (logged), so an outage neither opens the door to
    guessing nor locks the staff out of the admin they may need during it."""

    def __init__(self, redis_url: str | None) -> None:
        self._local = MovingWindowRateLimiter(storage_from_string("memory://"))
        self._shared = (
            MovingWindowRateLimiter(storage_from_string(redis_url, key_prefix="aula:staff-login"))
            if redis_url
            else None
        )

    def _run(self, operation: str, *args) -> bool | None:
        if self._shared is not None:
            try:
                return getattr(self._shared, operation)(*args)
            except RedisError as error:
                log.warning(
                    "staff login brake: Redis unreachable, counting in this process", extra={"error": str(error)}
                )
        return getattr(self._local, operation)(*args)

    @staticmethod
    def _account(username: str) -> str:
        # the username is not kept in Redis as typed (a password typed in the wrong field must not sit there)
        return hashlib.sha256(username.encode()).hexdigest()[:32]

    def blocked(self, username: str, client: str) -> bool:
        return not (
            self._run("test", PER_ACCOUNT, "account", self._account(username), client)
            and self._run("test", PER_ADDRESS, "address", client)
        )

    def record(self, username: str, client: str) -> None:
        self._run("hit", PER_ACCOUNT, "account", self._account(username), client)
        self._run("hit", PER_ADDRESS, "address", client)

    def clear(self, username: str, client: str) -> None:
        self._run("clear", PER_ACCOUNT, "account", self._account(username), client)


def _database_url() -> str:
    return current_app.extensions["aula_catalog"].database_url


def authenticate(username: str, password: str) -> StaffIdentity | None:
    with session_scope(_database_url()) as session:
        user = session.scalars(select(StaffUser).where(StaffUser.username == username)).first()
        if user is None or not user.active:
            check_password_hash(_DUMMY_HASH, password)
            return None
        if not check_password_hash(user.password_hash, password):
            return None
        user.last_login_at = datetime.now(UTC)
        return _identity(user)


def _identity(user: StaffUser) -> StaffIdentity:
    return StaffIdentity(user.id, user.username, user.language, frozenset(split_areas(user.areas)))


def _safe_next(target: str | None) -> str:
    """Only same-site paths: an attacker's ?next=https://evil.example must not become a redirect."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("admin.index")


def init_auth(app: Flask) -> LoginManager:
    manager = LoginManager()
    manager.login_view = "staff_auth.login"
    manager.session_protection = "strong"
    manager.init_app(app)
    failures = LoginBrake(app.extensions["aula_catalog"].settings.redis_url)

    @manager.user_loader
    def load_user(user_id: str) -> StaffIdentity | None:
        if not user_id.isdigit():
            return None
        with session_scope(_database_url()) as session:
            user = session.get(StaffUser, int(user_id))
            if user is None or not user.active:
                return None
            return _identity(user)

    blueprint = Blueprint("staff_auth", __name__, url_prefix="/admin", template_folder="templates")

    @blueprint.route("/login", methods=["GET", "POST"])
    def login():
        if current_user.is_authenticated:
            return redirect(url_for("admin.index"))
        form = LoginForm()
        client = request.remote_addr or "unknown"
        if form.validate_on_submit():
            username = form.username.data
            if failures.blocked(username, client):
                log.warning("staff login refused: too many failures", extra={"client": client})
                flash(_("Too many failed attempts; try again later."), "error")
                return render_template("staff/login.html", form=form), 429
            identity = authenticate(username, form.password.data)
            if identity is None:
                failures.record(username, client)
                log.info("staff login failed", extra={"client": client})  # never the password or username
                flash(_("Wrong username or password."), "error")
                return render_template("staff/login.html", form=form), 401
            failures.clear(username, client)
            login_user(identity)
            log.info("staff login", extra={"staff_user": identity.username})
            return redirect(_safe_next(request.args.get("next")))
        return render_template("staff/login.html", form=form)

    @blueprint.route("/logout", methods=["POST"])
    def logout():
        if LogoutForm().validate_on_submit():
            logout_user()
        return redirect(url_for("staff_auth.login"))

    @blueprint.route("/language", methods=["POST"])
    def language():
        if not current_user.is_authenticated:
            return redirect(url_for("staff_auth.login"))
        chosen = request.form.get("language")
        if LanguageForm().validate_on_submit() and chosen in LANGUAGES:
            with session_scope(_database_url()) as session:
                user = session.get(StaffUser, current_user.id)
                if user is not None:
                    user.language = chosen
        return redirect(_safe_next(request.form.get("next")))

    @app.context_processor
    def _menu_forms() -> dict:
        if not request.path.startswith("/admin"):
            return {}
        return {
            "logout_form": LogoutForm,
            "language_form": LanguageForm,
            "staff_languages": LANGUAGES,
            "page_language": staff_language(),
        }

    app.register_blueprint(blueprint)
    return manager


def staff_language_choice() -> str | None:
    """The staff member's stored language; before login, the browser's (it or en); else None (Italian)."""
    if not has_request_context():
        return None
    if current_user.is_authenticated:
        return current_user.language
    return request.accept_languages.best_match(LANGUAGES)
