"""Network bans enforced on sight: a blocked user who writes, joins or asks to join a managed chat is banned."""

from __future__ import annotations

import logging

from aula_moderation.log.models import Case
from aula_moderation.log.record import record_case
from aula_moderation.network import jobs as network
from aula_moderation.people import records as people
from aula_moderation.until_dates import Expired, until_date
from aula_shared.db import session_scope

log = logging.getLogger(__name__)


def enforce_block(context, user_id: int) -> bool:
    """Ban a network-banned user from this chat; True if they were."""
    if not context.maybe_blocked(user_id):
        return False
    context.commit_batch()  # what the batch buffered is seen by what follows the ban
    chat = context.managed_chat()
    with session_scope(context.database_url) as session:
        blocked = network.active_block(session, user_id)
        if blocked is None:
            return False
        blocked_reason = blocked.reason or blocked.source
        try:
            until = until_date(blocked.until)
        except Expired:
            return False  # it ended a moment ago: its timer takes it off the list
    outcome = context.client.call("banChatMember", chat_id=chat.id, user_id=user_id, until_date=until)
    if not outcome:
        log.info("network ban enforcement refused", extra=outcome.log_fields())
    with session_scope(context.database_url) as session:
        people.set_membership(session, chat.id, user_id, "kicked")
        if outcome:
            record_case(session, context.services, context.bot_id, Case(
                event="NETWORK_BAN_ENFORCED", chat_id=chat.id, network=False, target_id=user_id,
                reason=blocked_reason,
            ))  # fmt: skip
    context.services.flush_log()
    return True
