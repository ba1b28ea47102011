"""Onboarding and protection: per-chat settings, welcome templates, CAPTCHAs, network-wide trust, filters, appeals.

Revision ID: moderation_0003
Revises: moderation_0002
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "moderation_0003"
down_revision = "moderation_0002"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "moderation_onboarding_settings",
        sa.Column("chat_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
    )
    op.create_table(
        "moderation_welcome_templates",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("chat_id", sa.BigInteger()),  # NULL: the network default
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("template", sa.Text(), nullable=False),
        sa.Column("buttons", sa.JSON(), nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.UniqueConstraint("chat_id", "language", name="uq_moderation_welcome_templates_chat_language"),
    )
    op.create_table(
        "moderation_welcomes_sent",
        sa.Column("chat_id", sa.BigInteger(), primary_key=True),
        sa.Column("user_id", sa.BigInteger(), primary_key=True),
        sa.Column("sent_at", TZ, nullable=False),
    )
    op.create_table(
        "moderation_captchas",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("bot_id", sa.BigInteger(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("mode", sa.String(8), nullable=False),
        sa.Column("answer", sa.String(16)),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("message_chat_id", sa.BigInteger()),
        sa.Column("message_id", sa.BigInteger()),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("due_at", TZ, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("resolved_at", TZ),
    )
    op.create_index("ix_moderation_captchas_pending", "moderation_captchas", ["status", "due_at"])
    op.create_index("ix_moderation_captchas_chat_user", "moderation_captchas", ["chat_id", "user_id"])
    op.create_table(
        "moderation_trust",
        sa.Column("user_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("accepted_at", TZ),
        sa.Column("verified_at", TZ),
        sa.Column("verified_by", sa.BigInteger()),
        sa.Column("clean_messages", sa.Integer(), nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
    )
    op.create_table(
        "moderation_filter_rules",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("chat_id", sa.BigInteger(), index=True),  # NULL: every managed chat
        sa.Column("pattern", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "moderation_appeals",
        sa.Column("user_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("bot_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("staff_message_id", sa.BigInteger()),
        sa.Column("decided_by", sa.BigInteger()),
        sa.Column("decided_at", TZ),
        sa.Column("created_at", TZ, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "moderation_appeals",
        "moderation_filter_rules",
        "moderation_trust",
        "moderation_captchas",
        "moderation_welcomes_sent",
        "moderation_welcome_templates",
        "moderation_onboarding_settings",
    ):
        op.drop_table(table)
