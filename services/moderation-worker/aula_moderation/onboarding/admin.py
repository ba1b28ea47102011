"""Welcome texts, CAPTCHA and trust settings, content filters and appeals in the staff admin.

Every page saves through the functions the worker and the CLI use (settings.save, welcome.save_template,
filters.add_rule): what they refuse is shown back as a form error and nothing is stored. The forms only turn
what a browser sends into those functions' arguments.
"""

from __future__ import annotations

from contextlib import contextmanager
from types import SimpleNamespace

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_admin import Admin, expose
from flask_admin.form import SecureForm
from sqlalchemy import select
from sqlalchemy.orm import scoped_session
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired

from aula_moderation.chats.models import ManagedChat, OnboardingSettings
from aula_moderation.onboarding import filters, settings, welcome
from aula_moderation.onboarding.models import Appeal, FilterRule, WelcomeTemplate
from aula_shared.i18n import LANGUAGES
from aula_shared.settings import Settings
from aula_shared.staff import StaffModelView, StaffPage
from aula_shared.staff_babel import _, lazy_gettext

CATEGORY = lazy_gettext("Onboarding")
NETWORK = "network"  # the scope of network-wide templates and filter rules in URLs and forms
templates = Blueprint("onboarding_admin", __name__, template_folder="templates")

# Labels and help for settings.DEFAULTS, by section; a key missing here still gets a field (under "Other").
SECTIONS = {
    "CAPTCHA": {
        "captcha": (lazy_gettext("CAPTCHA"), lazy_gettext("off, a button to press, or a sum to solve")),
        "captcha_timeout": (lazy_gettext("Time to answer (s)"), ""),
        "captcha_action": (lazy_gettext("On timeout or failure"), ""),
        "captcha_attempts": (lazy_gettext("Wrong answers allowed"), lazy_gettext("before the action is taken")),
    },
    "Welcome": {
        "welcome": (lazy_gettext("Send the welcome message"), ""),
        "welcome_delete_after": (lazy_gettext("Delete the welcome after (s)"), lazy_gettext("0 keeps it")),
        "welcome_period": (lazy_gettext("One welcome per user every (s)"), ""),
    },
    "Trust": {
        "rules_gate": (
            lazy_gettext("Rules gate"),
            lazy_gettext("unknown users must accept the rules, then stay on probation"),
        ),
        "verify_after_messages": (lazy_gettext("Verified after clean messages"), lazy_gettext("0: never by messages")),
        "verify_after_days": (lazy_gettext("Verified after days"), ""),
        "verify_min_seconds": (
            lazy_gettext("Peer confirmation no sooner than (s)"),
            lazy_gettext("after the rules were accepted"),
        ),
    },
    "Filters and antiflood": {
        "filter_mode": (lazy_gettext("Forbidden words"), lazy_gettext("off, alert the staff chat, or delete and warn")),
        "flood_messages": (lazy_gettext("Antiflood: messages (N)"), lazy_gettext("0: off")),
        "flood_seconds": (lazy_gettext("Antiflood: within seconds (T)"), ""),
        "flood_mute": (lazy_gettext("Antiflood: mute for (s)"), ""),
    },
    "Join requests": {
        "join_requests": (lazy_gettext("Talk to applicants in private before approving"), ""),
        "join_request_timeout": (lazy_gettext("Time to complete (s)"), ""),
    },
}
CHOICE_LABELS = {"off": lazy_gettext("off"), "button": lazy_gettext("button"), "math": lazy_gettext("math"),
                 "kick": lazy_gettext("kick"), "ban": lazy_gettext("ban"), "mute": lazy_gettext("keep muted"),
                 "alert": lazy_gettext("alert staff"), "delete": lazy_gettext("delete and warn")}  # fmt: skip
SAMPLE_USERS = [
    SimpleNamespace(id=111111111, first_name="Mario", username="mario_rossi"),
    SimpleNamespace(id=222222222, first_name="Giulia", username=None),
]


def _label(key: str) -> tuple[str, str]:
    for fields in SECTIONS.values():
        if key in fields:
            return fields[key]
    return key.replace("_", " ").capitalize(), ""


def _settings_form_class() -> type[SecureForm]:
    """One field per onboarding setting, typed after its default: the domain's own list, never raw JSON."""

    class SettingsForm(SecureForm):
        pass

    for key, default in settings.DEFAULTS.items():
        label, help_text = _label(key)
        if isinstance(default, bool):
            field = BooleanField(label, description=help_text)
        elif key in settings.CHOICES:
            choices = [(c, CHOICE_LABELS.get(c, c)) for c in settings.CHOICES[key]]
            field = SelectField(label, choices=choices, description=help_text)
        else:
            field = IntegerField(label, validators=[InputRequired()], description=help_text)
        setattr(SettingsForm, key, field)
    return SettingsForm


SettingsForm = _settings_form_class()


class WelcomeForm(SecureForm):
    template = TextAreaField(lazy_gettext("Text (Telegram HTML)"), validators=[InputRequired()], render_kw={"rows": 8})
    buttons = TextAreaField(
        lazy_gettext("Link buttons"),
        description=lazy_gettext("one per line: label | https://link (at most %(count)s)", count=welcome.MAX_BUTTONS),
        render_kw={"rows": 4},
    )


class FilterForm(SecureForm):
    scope = SelectField(lazy_gettext("Where"), choices=[])
    kind = SelectField(
        lazy_gettext("Kind"),
        choices=[("substring", lazy_gettext("word or phrase")), ("regex", lazy_gettext("regular expression"))],
    )
    pattern = StringField(lazy_gettext("Pattern"), validators=[InputRequired()])


class FilterModeForm(SecureForm):
    filter_mode = SelectField(
        lazy_gettext("Mode in this group"), choices=[(c, CHOICE_LABELS[c]) for c in settings.CHOICES["filter_mode"]]
    )


class DeleteForm(SecureForm):
    rule_id = HiddenField()


def managed_chats(session) -> list[ManagedChat]:
    return list(
        session.scalars(
            select(ManagedChat)
            .where(ManagedChat.managed.is_(True), ManagedChat.migrated_to.is_(None))
            .order_by(ManagedChat.title, ManagedChat.id)
        )
    )


def _chat_or_404(session, chat_id: int) -> ManagedChat:
    chat = session.get(ManagedChat, chat_id)
    if chat is None or not chat.managed:
        abort(404)
    return chat


def _scope(raw: str | None) -> int | None:
    """ "network" → None (network-wide), else a chat id; anything else is a 404."""
    if raw in (None, "", NETWORK):
        return None
    try:
        return int(raw)
    except ValueError:
        abort(404)


class OnboardingPage(StaffPage):
    def __init__(self, session: scoped_session, **kwargs) -> None:
        super().__init__(category=CATEGORY, **kwargs)
        self.session = session

    @contextmanager
    def saving(self, form):
        """Commit what the domain function stored, or roll back and show its refusal on the form."""
        try:
            yield
            self.session.commit()
        except ValueError as error:
            self.session.rollback()
            form.form_errors.append(str(error))
            raise _Refused from error


class _Refused(Exception):
    pass


class GroupSettingsView(OnboardingPage):
    @expose("/")
    def index(self):
        own = {row.chat_id for row in self.session.scalars(select(OnboardingSettings))}
        rows = [(chat, settings.load(self.session, chat.id), chat.id in own) for chat in managed_chats(self.session)]
        return self.render("onboarding_admin/settings_list.html", rows=rows)

    @expose("/<int(signed=True):chat_id>", methods=("GET", "POST"))
    def edit(self, chat_id: int):
        chat = _chat_or_404(self.session, chat_id)
        current = settings.load(self.session, chat_id)
        form = SettingsForm(request.form, data=current) if request.method == "POST" else SettingsForm(data=current)
        if request.method == "POST" and form.validate():
            # Only what staff changed becomes the group's own: the rest keeps following the network.
            changes = {key: getattr(form, key).data for key in settings.DEFAULTS}
            changes = {key: value for key, value in changes.items() if value != current[key]}
            try:
                with self.saving(form):
                    settings.save(self.session, chat_id, **changes)
                flash(_("Settings of %(chat)s saved.", chat=chat.title or chat_id), "success")
                return redirect(url_for(".edit", chat_id=chat_id))
            except _Refused:
                pass
        sections = {title: [form[key] for key in keys] for title, keys in SECTIONS.items()}
        listed = {key for keys in SECTIONS.values() for key in keys}
        other = [form[key] for key in settings.DEFAULTS if key not in listed]
        if other:
            sections["Other"] = other
        has_own = self.session.get(OnboardingSettings, chat_id) is not None
        return self.render("onboarding_admin/settings_edit.html", chat=chat, form=form, sections=sections,
                           has_own=has_own)  # fmt: skip


class WelcomeView(OnboardingPage):
    @expose("/")
    def index(self):
        saved = {(row.chat_id, row.language) for row in self.session.scalars(select(WelcomeTemplate))}
        scopes = [(NETWORK, "Network default", None)] + [
            (str(chat.id), chat.title or str(chat.id), chat.id) for chat in managed_chats(self.session)
        ]
        return self.render("onboarding_admin/welcome_list.html", scopes=scopes, saved=saved, languages=LANGUAGES)

    @expose("/edit", methods=("GET", "POST"))
    def edit(self):
        chat_id, language = _scope(request.args.get("chat")), request.args.get("language", "")
        if language not in LANGUAGES:
            abort(404)
        chat = _chat_or_404(self.session, chat_id) if chat_id is not None else None
        form = (
            WelcomeForm(request.form)
            if request.method == "POST"
            else WelcomeForm(data=self._current(chat_id, language))
        )
        if request.method == "POST" and form.validate():
            try:
                buttons = parse_buttons(form.buttons.data or "")
                with self.saving(form):
                    stored = welcome.save_template(self.session, chat_id, language, form.template.data, buttons)
                if stored != form.template.data.replace("\r\n", "\n"):
                    flash(_("Saved. Markup Telegram does not accept was escaped: it will show as text."), "warning")
                else:
                    flash(_("Saved."), "success")
                return redirect(url_for(".edit", chat=request.args.get("chat"), language=language))
            except ValueError as error:  # a malformed button line
                form.buttons.errors = [*form.buttons.errors, str(error)]
            except _Refused:
                pass
        title = chat.title if chat else "Corso di esempio"
        preview = _previews(form.template.data or "", language, title) if not form.errors else None
        return self.render("onboarding_admin/welcome_edit.html", form=form, chat=chat, language=language,
                           variables=welcome.VARIABLES, preview=preview)  # fmt: skip

    def _current(self, chat_id: int | None, language: str) -> dict:
        """The scope's own template, else what it inherits (network or built-in) as a starting point."""
        template, buttons = welcome.template_for(self.session, chat_id, language)
        return {"template": template, "buttons": "\n".join(f"{label} | {url}" for label, url in buttons)}


def parse_buttons(text: str) -> list[list[str]]:
    """ "label | url" lines into welcome.save_template's pairs (it checks labels and links)."""
    buttons = []
    for line in filter(None, (line.strip() for line in text.splitlines())):
        label, bar, url = line.rpartition("|")
        if not bar:
            raise ValueError(f"write the button as: label | https://link (got {line!r})")
        buttons.append([label.strip(), url.strip()])
    return buttons


def _previews(template: str, language: str, title: str) -> dict[str, str] | None:
    """The template rendered for one newcomer and for two, with sample names; None if it does not render."""
    try:
        return {
            "one": welcome.render(template, language, users=SAMPLE_USERS[:1], title=title),
            "many": welcome.render(template, language, users=SAMPLE_USERS, title=title),
        }
    except (KeyError, ValueError, IndexError):
        return None


class FiltersView(OnboardingPage):
    @expose("/", methods=("GET", "POST"))
    def index(self):
        chats = managed_chats(self.session)
        selected = _scope(request.args.get("chat"))
        chat = _chat_or_404(self.session, selected) if selected is not None else None
        form = FilterForm(request.form) if request.method == "POST" else FilterForm(scope=request.args.get("chat"))
        form.scope.choices = [(NETWORK, "every managed group (network)")] + [
            (str(c.id), c.title or str(c.id)) for c in chats
        ]
        if request.method == "POST" and form.validate():
            scope = _scope(form.scope.data)
            try:
                with self.saving(form):
                    filters.add_rule(self.session, form.pattern.data, form.kind.data, scope)
                flash(_("Rule %(pattern)s added.", pattern=repr(form.pattern.data)), "success")
                return redirect(url_for(".index", chat=request.args.get("chat")))
            except _Refused:
                pass
        query = select(FilterRule).order_by(FilterRule.chat_id.is_(None).desc(), FilterRule.chat_id, FilterRule.id)
        if chat is not None:
            query = query.where((FilterRule.chat_id == chat.id) | FilterRule.chat_id.is_(None))
        rules = list(self.session.scalars(query))
        titles = {c.id: c.title or str(c.id) for c in chats}
        mode_form = FilterModeForm(filter_mode=settings.load(self.session, chat.id)["filter_mode"]) if chat else None
        return self.render("onboarding_admin/filters.html", form=form, rules=rules, titles=titles, chat=chat,
                           chats=chats, mode_form=mode_form, delete_form=DeleteForm())  # fmt: skip

    @expose("/delete", methods=("POST",))
    def delete(self):
        form = DeleteForm(request.form)
        if (
            form.validate()
            and form.rule_id.data.isdigit()
            and filters.remove_rule(self.session, int(form.rule_id.data))
        ):
            self.session.commit()
            flash(_("Rule deleted."), "success")
        else:
            flash(_("Nothing deleted: the rule is gone or the form expired."), "error")
        return redirect(url_for(".index", chat=request.args.get("chat")))

    @expose("/mode/<int(signed=True):chat_id>", methods=("POST",))
    def mode(self, chat_id: int):
        chat = _chat_or_404(self.session, chat_id)
        form = FilterModeForm(request.form)
        if form.validate():
            try:
                with self.saving(form):
                    settings.save(self.session, chat_id, filter_mode=form.filter_mode.data)
                flash(
                    _(
                        "Forbidden words in %(chat)s: %(mode)s.",
                        chat=chat.title or chat_id,
                        mode=CHOICE_LABELS[form.filter_mode.data],
                    ),
                    "success",
                )
            except _Refused:
                flash("; ".join(form.form_errors), "error")
        else:
            flash(_("Nothing saved: the form expired or the mode is unknown."), "error")
        return redirect(url_for(".index", chat=chat_id))


class AppealsView(StaffModelView):
    """Read-only: verdicts are given with the buttons in the staff chat."""

    can_create = can_edit = can_delete = False
    column_list = ("user_id", "status", "created_at", "decided_by", "decided_at")
    column_labels = {
        "user_id": lazy_gettext("User id"),
        "created_at": lazy_gettext("Requested"),
        "decided_by": lazy_gettext("Decided by (user id)"),
    }
    column_filters = ("status",)
    column_searchable_list = ("user_id",)
    column_default_sort = ("created_at", True)


def add_views(admin: Admin, session: scoped_session, settings_: Settings) -> None:
    admin.app.register_blueprint(templates)
    admin.add_view(GroupSettingsView(session, name=lazy_gettext("Group settings"), endpoint="onboarding_settings",
                                     url="onboarding/settings"))  # fmt: skip
    admin.add_view(
        WelcomeView(
            session, name=lazy_gettext("Welcome texts"), endpoint="onboarding_welcome", url="onboarding/welcome"
        )
    )
    admin.add_view(
        FiltersView(session, name=lazy_gettext("Filters"), endpoint="onboarding_filters", url="onboarding/filters")
    )
    admin.add_view(AppealsView(Appeal, session, name=lazy_gettext("Appeals"), category=CATEGORY,
                               endpoint="onboarding_appeals", url="onboarding/appeals"))  # fmt: skip
