"""An identify attempt keeps the warnings its success answered (contract section 8).

A nullable JSON text column: NULL when there were none (every failure, and most successes), so
the journal of a clean integration costs nothing more.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("identify_attempts", sa.Column("warnings", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("identify_attempts") as batch:
        batch.drop_column("warnings")
