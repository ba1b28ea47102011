"""Charts staff look at instead of reading tables: server-rendered SVG (pygal), inlined, with no script or
stylesheet fetched from anywhere (the admin may run without internet). The numbers come from aula_stats.reports.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pygal
from flask import request
from flask_admin import Admin, expose
from markupsafe import Markup
from sqlalchemy.orm import scoped_session

from aula_shared.i18n import translated
from aula_shared.staff import StaffPage
from aula_shared.staff_babel import _, lazy_gettext
from aula_stats import reports
from aula_stats.reports import DateRange, ReportError, Scope

CATEGORY = lazy_gettext("Statistics")
TEMPLATE = "stats_admin/charts.html"


@dataclass(frozen=True)
class Chart:
    title: str
    svg: Markup | None  # None: nothing happened in the range
    columns: tuple[str, ...] = ()  # the exact numbers under the chart: column names…
    rows: tuple[tuple, ...] = ()  # …and rows


def _config(**extra) -> dict:
    # js=[]: pygal would otherwise link its tooltip scripts from the internet.
    return {
        "js": [],
        "disable_xml_declaration": True,
        "width": 1000,
        "height": 380,
        "legend_at_bottom": True,
        "truncate_legend": -1,  # action names are long; cut, they look alike
        "truncate_label": 40,
        **extra,
    }


def _day_labels(chart, days: list[date]) -> None:
    chart.x_labels = [day.isoformat() for day in days]
    chart.x_label_rotation = 30
    chart.show_minor_x_labels = False
    chart.x_labels_major_every = max(1, len(days) // 12)


def _whole_numbers(chart, peak: int) -> None:
    """Counts: y ticks at whole numbers (pygal would draw 0.2, 0.4… for small ones), about ten of them."""
    step = max(1, math.ceil(peak / 10))
    chart.y_labels = list(range(0, max(peak, 1) + step, step))


def _svg(chart) -> Markup:
    return Markup(chart.render(is_unicode=True))  # noqa: S704 - pygal escapes every text it draws


def _scope_title(scope: Scope) -> str:
    return translated(scope.title, _)


def activity_charts(rows: list[reports.DayActivity], scope: Scope) -> list[Chart]:
    """(a) messages and active users per day, (b) joins versus leaves per day."""
    days = [row.day for row in rows]
    title = _("Activity — %(scope)s", scope=_scope_title(scope))
    activity = pygal.Line(**_config(title=title, show_dots=len(days) <= 62))
    _day_labels(activity, days)
    activity.add(_("Messages"), [row.messages for row in rows])
    activity.add(_("Active users"), [row.active_users for row in rows])
    _whole_numbers(activity, max((row.messages for row in rows), default=0))
    changes = pygal.Bar(**_config(title=_("Joins and leaves — %(scope)s", scope=_scope_title(scope))))
    _day_labels(changes, days)
    changes.add(_("Joins"), [row.joins for row in rows])
    changes.add(_("Leaves"), [row.leaves for row in rows])
    _whole_numbers(changes, max((max(row.joins, row.leaves) for row in rows), default=0))
    any_activity = any(row.messages or row.active_users for row in rows)
    any_changes = any(row.joins or row.leaves for row in rows)
    return [
        Chart(_("Messages and active users per day"), _svg(activity) if any_activity else None),
        Chart(_("Joins versus leaves per day"), _svg(changes) if any_changes else None),
    ]


def top_groups_chart(groups: list[reports.GroupActivity]) -> Chart:
    """(c) the most active groups of the range, most first."""
    chart = pygal.HorizontalBar(**_config(title=_("Messages per group"), height=max(240, 34 * len(groups) + 90)))
    # HorizontalBar draws the first label at the bottom: reversed, the busiest group is on top.
    chart.x_labels = [group.title for group in reversed(groups)]
    chart.add(_("Messages"), [group.messages for group in reversed(groups)])
    _whole_numbers(chart, max((group.messages for group in groups), default=0))
    return Chart(
        _("The %(count)d most active groups", count=reports.TOP_GROUPS),
        _svg(chart) if groups else None,
        (_("Group"), _("Chat id"), _("Messages"), _("Most people on one day")),
        tuple((g.title, g.chat_id, g.messages, g.active_users) for g in groups),
    )


def moderation_chart(counts: dict[str, list[int]], days: list[date], scope: Scope) -> Chart:
    """(d) moderation actions per day, stacked by action."""
    chart = pygal.StackedBar(**_config(title=_("Moderation actions — %(scope)s", scope=_scope_title(scope))))
    _day_labels(chart, days)
    for action, per_day in counts.items():
        chart.add(action, per_day)
    _whole_numbers(chart, max((sum(day) for day in zip(*counts.values(), strict=True)), default=0))
    return Chart(
        _("Moderation actions per day, by action"),
        _svg(chart) if counts else None,
        (_("Action"), _("Actions in the range")),
        tuple((action, sum(per_day)) for action, per_day in counts.items()),
    )


class ChartPage(StaffPage):
    """A page of charts over a date range (and, for some, a scope); bad parameters are a 400 with the reason."""

    scoped = True  # whether the page has a group/degree/department picker

    def __init__(self, session: scoped_session, **kwargs) -> None:
        self.session = session
        super().__init__(category=CATEGORY, **kwargs)

    def charts(self, scope: Scope, dates: DateRange) -> list[Chart]:
        raise NotImplementedError

    @expose("/")
    def index(self):
        form = {name: request.args.get(name, "") for name in ("scope", "from", "to")}
        scopes = reports.scopes(self.session) if self.scoped else []
        try:
            dates = DateRange.parse(form["from"], form["to"], today=datetime.now(UTC).date())
            scope = reports.find_scope(self.session, form["scope"]) if self.scoped else reports.EVERY_GROUP
            charts = self.charts(scope, dates)
        except ReportError as error:
            return self.render(TEMPLATE, form=form, scopes=scopes, charts=[], error=error.message.translated(_)), 400
        form.update({"scope": scope.value, "from": dates.since.isoformat(), "to": dates.until.isoformat()})
        return self.render(TEMPLATE, form=form, scopes=scopes, charts=charts, error=None)


class ActivityPage(ChartPage):
    def charts(self, scope: Scope, dates: DateRange) -> list[Chart]:
        return activity_charts(reports.daily_activity(self.session, scope, dates), scope)


class TopGroupsPage(ChartPage):
    scoped = False

    def charts(self, scope: Scope, dates: DateRange) -> list[Chart]:
        return [top_groups_chart(reports.most_active_groups(self.session, dates))]


class ModerationPage(ChartPage):
    def charts(self, scope: Scope, dates: DateRange) -> list[Chart]:
        counts = reports.moderation_actions(self.session, scope, dates)
        return [moderation_chart(counts, dates.days(), scope)]


def add_views(admin: Admin, session: scoped_session) -> None:
    admin.add_view(ActivityPage(session, name=lazy_gettext("Activity"), endpoint="stats_activity"))
    admin.add_view(TopGroupsPage(session, name=lazy_gettext("Most active groups"), endpoint="stats_top_groups"))
    admin.add_view(ModerationPage(session, name=lazy_gettext("Moderation actions"), endpoint="stats_moderation"))
