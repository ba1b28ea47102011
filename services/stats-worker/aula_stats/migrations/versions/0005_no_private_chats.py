"""Private chats are no chats: the message counts older versions kept of people's private chats with the bots
(under chat_id = the user's id, positive), and the per-chat totals retention rolled them into, are deleted.

The analysts' views never showed them (they read groups and supergroups only), so no number they see changes.

Revision ID: stats_0005
Revises: stats_0004
Create Date: 2026-12-09
"""

from alembic import op

revision = "stats_0005"
down_revision = "stats_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Group and supergroup ids are negative; a private chat's id is its user's (positive).
    op.execute("DELETE FROM stats_message_counts WHERE chat_id > 0")
    op.execute("DELETE FROM stats_chat_days WHERE chat_id > 0")


def downgrade() -> None:
    pass  # what was deleted is not to be had back
