"""The Users API (contract section 7): users get a public id, the flags and instants the API
shows, and may have no subject yet; the API keys that call it.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02

Existing users are backfilled: a random public id each, ``updated_at`` = ``last_seen_at``,
``email_verified`` and ``disabled`` false. SQLite changes a column's nullability only by
rebuilding the table, which Alembic's batch mode does (``env.py`` turns it on for SQLite).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


# ``hcusr_`` and 24 random hex digits, as ``models.new_user_id`` makes them, for each row.
BACKFILL = {
    "sqlite": "UPDATE users SET public_id = 'hcusr_' || lower(hex(randomblob(12))), "
              "updated_at = last_seen_at",
    "postgresql": "UPDATE users SET public_id = 'hcusr_' || substr(md5(random()::text || "
                  "clock_timestamp()::text || id::text), 1, 24), updated_at = last_seen_at",
}


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("public_id", sa.String(64), nullable=True))
        batch.add_column(sa.Column("email_verified", sa.Boolean, nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column("disabled", sa.Boolean, nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column("last_login_at", sa.Double, nullable=True))
        batch.add_column(sa.Column("updated_at", sa.Double, nullable=True))
    op.execute(BACKFILL[op.get_bind().dialect.name])
    with op.batch_alter_table("users") as batch:
        batch.alter_column("public_id", existing_type=sa.String(64), nullable=False)
        batch.alter_column("updated_at", existing_type=sa.Double, nullable=False)
        batch.alter_column("sub", existing_type=sa.Text, nullable=True)
        batch.create_unique_constraint("uq_users_public_id", ["public_id"])
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("help_center_id", sa.String(64), nullable=False),
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("created_at", sa.Double, nullable=False),
        sa.Column("deleted_at", sa.Double, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_api_keys"),
        sa.ForeignKeyConstraint(["help_center_id"], ["help_centers.id"], ondelete="CASCADE",
                                name="fk_api_keys_help_center_id"),
        sa.UniqueConstraint("key", name="uq_api_keys_key"),
    )
    op.create_index("ix_api_keys_help_center_id_created_at", "api_keys",
                    ["help_center_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_api_keys_help_center_id_created_at", table_name="api_keys")
    op.drop_table("api_keys")
    op.execute("DELETE FROM users WHERE sub IS NULL")
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint("uq_users_public_id", type_="unique")
        batch.alter_column("sub", existing_type=sa.Text, nullable=False)
        for column in ("updated_at", "last_login_at", "disabled", "email_verified", "public_id"):
            batch.drop_column(column)
