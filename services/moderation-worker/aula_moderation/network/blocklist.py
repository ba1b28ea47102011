"""The external blocklist: a list of spammers' user ids fetched daily from `BLOCKLIST_URL` (the original's
GroupHelp list), kept as the `external` source of the network blocklist.

The URL answers JSON — `{"result": [id, …]}` as GroupHelp does, or a bare list — or plain text with one id per
line. Each fetch replaces the external entries; entries from /superban or staff stay whatever the list says.
Listed users are not hunted down chat by chat: they are banned on sight (join, join request, message), like
every network-banned user (see handlers).
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime

import httpx
import orjson
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from aula_moderation.network.models import BlockedUser

log = logging.getLogger(__name__)

SOURCE = "external"
SETTING = "BLOCKLIST_URL"
MAX_BYTES = 20 * 1024 * 1024


class BadBlocklist(ValueError):
    """The URL answered something that is not a list of user ids (the current entries are kept)."""


def url_from_env() -> str | None:
    return os.environ.get(SETTING, "").strip() or None


def parse(body: bytes) -> set[int]:
    if body.lstrip()[:1] in (b"{", b"["):
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise BadBlocklist("not valid JSON") from None
    else:
        data = body.decode("utf-8", "replace").split()
    if isinstance(data, dict):
        data = data.get("result")
    if not isinstance(data, list):
        raise BadBlocklist("expected a list of user ids")
    ids = set()
    for item in data:
        if isinstance(item, dict):
            item = item.get("id")
        try:
            user_id = int(item)
        except (TypeError, ValueError):
            raise BadBlocklist(f"not a user id: {str(item)[:40]!r}") from None
        if user_id > 0:
            ids.add(user_id)
    return ids


def fetch(url: str, timeout: float = 30.0) -> set[int]:
    response = httpx.get(url, timeout=timeout, follow_redirects=True)
    response.raise_for_status()
    if len(response.content) > MAX_BYTES:
        raise BadBlocklist("the list is larger than 20 MiB")
    return parse(response.content)


def replace_external(session: Session, ids: set[int]) -> dict[str, int]:
    """Make the external entries exactly `ids` (other sources untouched); counts added and removed."""
    rows = session.execute(select(BlockedUser.user_id, BlockedUser.source)).all()
    external = {user_id for user_id, source in rows if source == SOURCE}
    others = {user_id for user_id, source in rows if source != SOURCE}
    gone = external - ids
    if gone:
        session.execute(delete(BlockedUser).where(BlockedUser.source == SOURCE, BlockedUser.user_id.in_(gone)))
    new = ids - external - others
    now = datetime.now(UTC)
    session.add_all(BlockedUser(user_id=user_id, source=SOURCE, reason="external blocklist", created_at=now)
                    for user_id in sorted(new))  # fmt: skip
    return {"added": len(new), "removed": len(gone), "listed": len(ids)}
