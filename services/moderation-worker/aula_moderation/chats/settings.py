"""A managed chat's moderation settings: the defaults of what `moderation_chats.settings` may override."""

from __future__ import annotations

DEFAULT_NOTICE_DELAY = 90


DEFAULT_WARN_LIMIT = 3


DEFAULT_WARN_ACTION = "mute"


DEFAULT_WARN_ACTION_SECONDS = 24 * 3600


DEFAULT_WARN_EXPIRY_DAYS = 30
