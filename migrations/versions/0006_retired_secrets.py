"""A help center's deleted JWT secrets, kept to name them in identify's reasons.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "retired_secrets",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("help_center_id", sa.String(64), nullable=False),
        sa.Column("secret", sa.Text, nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("deleted_at", sa.Double, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_retired_secrets"),
        sa.ForeignKeyConstraint(["help_center_id"], ["help_centers.id"], ondelete="CASCADE",
                                name="fk_retired_secrets_help_center_id"),
    )
    op.create_index("ix_retired_secrets_help_center_id_id", "retired_secrets",
                    ["help_center_id", "id"])


def downgrade() -> None:
    op.drop_table("retired_secrets")
