"""Roles, cases, network-ban jobs, the blocklist and the bot whitelist in the staff admin."""

from __future__ import annotations

from flask_admin import Admin
from sqlalchemy.orm import scoped_session

from aula_shared.settings import Settings


def add_views(admin: Admin, session: scoped_session, settings: Settings) -> None:
    """Filled in by the moderation admin work."""
