"""Restrictions: every reason a member is restricted, one row each, so that lifting one keeps the others.

The mutes and CAPTCHAs running when this revision is applied become rows: a running unmute timer (a /mute, the
warning limit's mute or an antiflood mute) is a "mute" until its due time, a pending CAPTCHA in a group is a
"captcha" for ever. A mute for ever has no timer and cannot be told apart from a restriction made by hand in
Telegram: it gets no row, and /free lifts it as before.

Revision ID: moderation_0007
Revises: moderation_0006
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "moderation_0007"
down_revision = "moderation_0006"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "moderation_restrictions",
        sa.Column("chat_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("user_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("until", TZ),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_index("ix_moderation_restrictions_user", "moderation_restrictions", ["user_id"])
    op.execute(
        "INSERT INTO moderation_restrictions (chat_id, user_id, kind, until, created_at) "
        "SELECT chat_id, user_id, 'mute', due_at, CURRENT_TIMESTAMP FROM moderation_timers "
        "WHERE kind = 'unmute' AND done_at IS NULL AND chat_id IS NOT NULL AND user_id IS NOT NULL"
    )
    op.execute(
        "INSERT INTO moderation_restrictions (chat_id, user_id, kind, created_at) "  # until: NULL, for ever
        "SELECT DISTINCT chat_id, user_id, 'captcha', CURRENT_TIMESTAMP FROM moderation_captchas "
        "WHERE kind = 'group' AND status = 'pending'"
    )


def downgrade() -> None:
    op.drop_index("ix_moderation_restrictions_user", table_name="moderation_restrictions")
    op.drop_table("moderation_restrictions")
