"""Alembic environment: runs on the connection ``verifier.db.migrate`` hands it.

The server migrates itself at start (under a lock, see db.py), so this file never builds its own
engine from an ini file; ``alembic`` on the command line works through ``alembic.ini`` with
``-x url=...`` for developers who want to inspect or write migrations.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from verifier.models import metadata

config = context.config


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=metadata,
                          render_as_batch=connection.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()
        return
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option(
        "sqlalchemy.url")
    engine = create_engine(url)
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=metadata,
                          render_as_batch=conn.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()


run()
