"""People, memberships, roles, cases, warnings, network bans, jobs, timers, the log outbox.

Revision ID: moderation_0002
Revises: moderation_0001
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "moderation_0002"
down_revision = "moderation_0001"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "moderation_chat_scopes",
        sa.Column("chat_id", sa.BigInteger(), primary_key=True),
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("slug", sa.String(128), primary_key=True),
    )
    op.create_table(
        "moderation_users",
        sa.Column("id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("first_name", sa.String(256), nullable=False),
        sa.Column("last_name", sa.String(256)),
        sa.Column("username", sa.String(64)),
        sa.Column("language_code", sa.String(16)),
        sa.Column("is_bot", sa.Boolean(), nullable=False),
        sa.Column("last_seen", TZ, nullable=False),
    )
    op.create_index("ix_moderation_users_username_lower", "moderation_users", [sa.text("lower(username)")])
    op.create_table(
        "moderation_memberships",
        sa.Column("chat_id", sa.BigInteger(), primary_key=True),
        sa.Column("user_id", sa.BigInteger(), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("until", TZ),
        sa.Column("last_seen", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
    )
    op.create_index("ix_moderation_memberships_user", "moderation_memberships", ["user_id"])
    op.create_table(
        "moderation_roles",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.BigInteger(), nullable=False, index=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("all_groups", sa.Boolean(), nullable=False),
        sa.Column("extra_groups", sa.Boolean(), nullable=False),
        sa.Column("degrees", sa.JSON(), nullable=False),
        sa.Column("departments", sa.JSON(), nullable=False),
        sa.Column("chats", sa.JSON(), nullable=False),
        sa.Column("command_overrides", sa.JSON(), nullable=False),
        sa.Column("right_overrides", sa.JSON(), nullable=False),
        sa.Column("custom_title", sa.String(16)),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.UniqueConstraint("user_id", "role", name="uq_moderation_roles_user_role"),
    )
    op.create_table(
        "moderation_cases",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), index=True),
        sa.Column("network", sa.Boolean(), nullable=False),
        sa.Column("target_id", sa.BigInteger(), index=True),
        sa.Column("issuer_id", sa.BigInteger()),
        sa.Column("reason", sa.Text()),
        sa.Column("until", TZ),
        sa.Column("evidence", sa.Text()),
        sa.Column("evidence_message_id", sa.BigInteger()),
        sa.Column("message_deleted", sa.Boolean(), nullable=False),
        sa.Column("starred", sa.Boolean(), nullable=False),
        sa.Column("job_id", sa.BigInteger()),
        sa.Column("dedupe_key", sa.String(96), unique=True),
        sa.Column("created_at", TZ, nullable=False, index=True),
    )
    op.create_table(
        "moderation_warnings",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("case_id", sa.BigInteger()),
        sa.Column("expires_at", TZ),
        sa.Column("cleared_at", TZ),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_index("ix_moderation_warnings_chat_user", "moderation_warnings", ["chat_id", "user_id"])
    op.create_table(
        "moderation_blocklist",
        sa.Column("user_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text()),
        sa.Column("until", TZ),
        sa.Column("issuer_id", sa.BigInteger()),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "moderation_bot_whitelist",
        sa.Column("username", sa.String(64), primary_key=True),
        sa.Column("whitelisted_by", sa.BigInteger()),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "moderation_jobs",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False, index=True),
        sa.Column("issuer_id", sa.BigInteger()),
        sa.Column("until", TZ),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("finished_at", TZ),
    )
    op.create_table(
        "moderation_job_results",
        sa.Column("job_id", sa.BigInteger(), sa.ForeignKey("moderation_jobs.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("chat_id", sa.BigInteger(), primary_key=True),
        sa.Column("result", sa.String(16), nullable=False),
        sa.Column("detail", sa.Text()),
        sa.Column("updated_at", TZ, nullable=False),
    )
    op.create_table(
        "moderation_timers",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("key", sa.String(128), nullable=False, unique=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("due_at", TZ, nullable=False, index=True),
        sa.Column("bot_id", sa.BigInteger()),
        sa.Column("chat_id", sa.BigInteger()),
        sa.Column("user_id", sa.BigInteger()),
        sa.Column("message_id", sa.BigInteger()),
        sa.Column("done_at", TZ),
        sa.Column("attempts", sa.Integer(), nullable=False),
    )
    op.create_table(
        "moderation_log_outbox",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("case_id", sa.BigInteger()),
        sa.Column("bot_id", sa.BigInteger(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("forwarded_message_id", sa.BigInteger()),
        sa.Column("sent_at", TZ, index=True),
        sa.Column("digest", sa.Boolean(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "moderation_log_outbox",
        "moderation_timers",
        "moderation_job_results",
        "moderation_jobs",
        "moderation_bot_whitelist",
        "moderation_blocklist",
        "moderation_warnings",
        "moderation_cases",
        "moderation_roles",
        "moderation_memberships",
        "moderation_users",
        "moderation_chat_scopes",
    ):
        op.drop_table(table)
