"""A person's data across every component: what `aula users export|erase TELEGRAM_USER_ID` run.

Each component that keeps personal data declares `user_data` ("module:attribute") in its Component: an object
with `export(user_id) -> dict` (empty when it knows nothing of the person) and `erase(user_id) -> int` (rows
removed; erasing twice removes nothing the second time). Components may live in different databases, so an
erasure is not one transaction: it is idempotent instead, and a failed run is completed by running it again.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

from aula_shared import components


class UserData(Protocol):
    def export(self, user_id: int) -> dict[str, Any]: ...

    def erase(self, user_id: int) -> int: ...


def sources() -> Iterator[tuple[str, UserData]]:
    for component in components.discover():
        if component.user_data:
            yield component.name, components.load(component.user_data)


def export_user(user_id: int) -> dict[str, Any]:
    """{"telegram_user_id": id, "components": {name: what it keeps}} — components knowing nothing left out."""
    found = {name: data for name, source in sources() if (data := source.export(user_id))}
    return {"telegram_user_id": user_id, "components": found}


def erase_user(user_id: int) -> dict[str, int]:
    """Rows removed per component."""
    return {name: source.erase(user_id) for name, source in sources()}


class DatabaseUserData:
    """A component's `user_data` over its own database: `export`/`erase` each run in one transaction.

    `export_user(session, user_id) -> dict` and `erase_user(session, user_id) -> int` do the work; the database
    is the component's (`<COMPONENT>_DATABASE_URL`, else `DATABASE_URL`) unless a URL is given (tests).
    """

    def __init__(self, component: str, export_user, erase_user, database_url: str | None = None) -> None:
        self._component = component
        self._export_user, self._erase_user = export_user, erase_user
        self._database_url = database_url

    def _url(self) -> str:
        from aula_shared.settings import Settings

        return self._database_url or Settings.from_env().database_url_for(self._component)

    def export(self, user_id: int) -> dict[str, Any]:
        from aula_shared.db import session_scope

        with session_scope(self._url()) as session:
            return self._export_user(session, user_id)

    def erase(self, user_id: int) -> int:
        from aula_shared.db import session_scope

        with session_scope(self._url()) as session:
            return self._erase_user(session, user_id)
