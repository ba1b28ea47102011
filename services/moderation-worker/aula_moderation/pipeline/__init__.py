"""The pipeline: every stage an update passes, in order, in one list.

Each update is decoded once and offered to the stages below, top to bottom. A stage names the update kinds it
sees and holds one handler or several alternatives (the first whose filter matches runs, as in
python-telegram-bot's handler groups). A handler raises StopRouting to end the update's way through the
pipeline (an unmanaged chat, a network-banned sender, a message the trust gate deleted).

Past "unmanaged chats", a group update is from a managed chat. "people" records users and memberships and
bans a network-banned user on sight; the onboarding stages come next, so the trust gate and the filters delete
a message before service messages, commands and @admin calls act on it.

To add a stage: write its handler in its domain's `handlers.py` and put it here, where it belongs in the order.
"""

from __future__ import annotations

from aula_moderation.pipeline.stages import STAGES, Stage, build_router

__all__ = ["STAGES", "Stage", "build_router"]
