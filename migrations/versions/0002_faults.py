"""Injected faults of the emulator controls.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "emulator_faults",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("help_center_id", sa.String(64), nullable=False),
        sa.Column("times", sa.Integer, nullable=False),
        sa.Column("remaining", sa.Integer, nullable=False),
        sa.Column("code", sa.String(32), nullable=True),
        sa.Column("status", sa.Integer, nullable=True),
        sa.Column("delay_ms", sa.Integer, nullable=False),
        sa.Column("created_at", sa.Double, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_emulator_faults"),
        sa.ForeignKeyConstraint(["help_center_id"], ["help_centers.id"], ondelete="CASCADE",
                                name="fk_emulator_faults_help_center_id"),
    )
    op.create_index("ix_emulator_faults_help_center_id_remaining", "emulator_faults",
                    ["help_center_id", "remaining"])


def downgrade() -> None:
    op.drop_table("emulator_faults")
