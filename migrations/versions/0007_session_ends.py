"""A session can end: disabling a help center user ends its sessions (contract section 7).

``ended_at`` is NULL for a live session. An ended session shows its visitor signed out (the
widget's frame, the help center's page) and is never continued by identify: the next identify
starts a new one.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("sessions", sa.Column("ended_at", sa.Double, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("ended_at")
