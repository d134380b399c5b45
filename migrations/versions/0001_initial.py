"""Initial schema: help centers with their secret, users, sessions, attempts, messages, clock.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _owner() -> sa.Column[str]:
    return sa.Column("help_center_id", sa.String(64), nullable=False)


def _owner_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["help_center_id"], ["help_centers.id"], ondelete="CASCADE",
        name=f"fk_{table}_help_center_id",
    )


def upgrade() -> None:
    op.create_table(
        "help_centers",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("domain", sa.String(253), nullable=False),
        sa.Column("widget_id", sa.String(64), nullable=False),
        sa.Column("created_at", sa.Double, nullable=False),
        sa.Column("jwt_secret", sa.Text, nullable=True),
        sa.Column("jwt_secret_created_at", sa.Double, nullable=True),
        sa.Column("jwt_secret_fingerprint", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_help_centers"),
        sa.UniqueConstraint("widget_id", name="uq_help_centers_widget_id"),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        _owner(),
        sa.Column("sub", sa.Text, nullable=False),
        sa.Column("email", sa.Text, nullable=False),
        sa.Column("email_normalized", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=True),
        sa.Column("custom_attributes", sa.Text, nullable=True),
        sa.Column("created_at", sa.Double, nullable=False),
        sa.Column("last_seen_at", sa.Double, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        _owner_fk("users"),
        sa.UniqueConstraint("help_center_id", "sub", name="uq_users_help_center_id_sub"),
        sa.UniqueConstraint(
            "help_center_id", "email_normalized", name="uq_users_help_center_id_email_normalized"
        ),
    )
    op.create_table(
        "sessions",
        sa.Column("id", sa.String(64), nullable=False),
        _owner(),
        sa.Column("sub", sa.Text, nullable=True),
        sa.Column("email", sa.Text, nullable=True),
        sa.Column("name", sa.Text, nullable=True),
        sa.Column("origin", sa.Text, nullable=True),
        sa.Column("user_agent", sa.Text, nullable=True),
        sa.Column("started_at", sa.Double, nullable=False),
        sa.Column("identified_at", sa.Double, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_sessions"),
        _owner_fk("sessions"),
    )
    op.create_index(
        "ix_sessions_help_center_id_started_at", "sessions", ["help_center_id", "started_at"]
    )
    op.create_table(
        "identify_attempts",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        _owner(),
        sa.Column("at", sa.Double, nullable=False),
        sa.Column("origin", sa.Text, nullable=True),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("sub", sa.Text, nullable=True),
        sa.Column("token_fingerprint", sa.String(32), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_identify_attempts"),
        _owner_fk("identify_attempts"),
    )
    op.create_index(
        "ix_identify_attempts_help_center_id_id", "identify_attempts", ["help_center_id", "id"]
    )
    op.create_table(
        "messages",
        sa.Column("id", sa.String(64), nullable=False),
        _owner(),
        sa.Column("session_id", sa.String(64), nullable=True),
        sa.Column("sub", sa.Text, nullable=True),
        sa.Column("email", sa.Text, nullable=True),
        sa.Column("name", sa.Text, nullable=True),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", sa.Double, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_messages"),
        _owner_fk("messages"),
    )
    op.create_index(
        "ix_messages_help_center_id_created_at", "messages", ["help_center_id", "created_at"]
    )
    clock = op.create_table(
        "emulator_clock",
        sa.Column("id", sa.Integer, autoincrement=False, nullable=False),
        sa.Column("offset_seconds", sa.Double, nullable=False),
        sa.Column("frozen_at", sa.Double, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_emulator_clock"),
    )
    op.bulk_insert(clock, [{"id": 1, "offset_seconds": 0.0, "frozen_at": None}])


def downgrade() -> None:
    for table in ("emulator_clock", "messages", "identify_attempts", "sessions", "users"):
        op.drop_table(table)
    op.drop_table("help_centers")
