"""Routing a decoded update to handlers: a handler per concern, filters composed, the update routed once.

Filters are python-telegram-bot's own (`telegram.ext.filters`), which check an Update synchronously, so
handlers compose them as in PTB (`filters.ChatType.GROUPS & filters.COMMAND`). As in PTB's handler groups,
groups run in ascending order and within a group the first handler whose filter matches runs; a handler
raises StopRouting to end routing for the update (e.g. a banned user's message needs nothing more).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from telegram import Update
from telegram.ext.filters import BaseFilter

log = logging.getLogger(__name__)

C = TypeVar("C")


class StopRouting(Exception):
    """Raised by a handler: no later group sees this update."""


@dataclass(frozen=True)
class Route(Generic[C]):
    handler: Callable[[C], Any]
    filter: BaseFilter | Callable[[Update], bool] | None = None
    group: int = 0

    def matches(self, update: Update) -> bool:
        if self.filter is None:
            return True
        if isinstance(self.filter, BaseFilter):
            return bool(self.filter.check_update(update))
        return bool(self.filter(update))


@dataclass
class Router(Generic[C]):
    """Handlers by group. `route(update, context)` calls the matching ones; returns the names that ran."""

    routes: list[Route[C]] = field(default_factory=list)

    def add(self, handler: Callable[[C], Any], filter=None, group: int = 0) -> Callable[[C], Any]:
        self.routes.append(Route(handler, filter, group))
        self.routes.sort(key=lambda route: route.group)  # stable: registration order within a group
        return handler

    def on(self, filter=None, group: int = 0):
        """Decorator form of add()."""
        return lambda handler: self.add(handler, filter, group)

    def route(self, update: Update, context: C) -> list[str]:
        ran: list[str] = []
        current_group = None
        matched_in_group = False
        for route in self.routes:
            if route.group != current_group:
                current_group, matched_in_group = route.group, False
            if matched_in_group or not route.matches(update):
                continue
            matched_in_group = True
            ran.append(route.handler.__name__)
            try:
                route.handler(context)
            except StopRouting:
                break
        return ran
