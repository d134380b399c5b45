"""The ``serve`` flags, declared once for the two commands that run a server: ``serve`` and
``exec`` (which runs one for the length of a command, with other defaults for the port, the
database and the admin token, shown in its ``--help``).

Each flag defaults to None, "not given", so that its ``FERNDESK_VERIFIER_*`` twin applies
(``settings.resolve``), and is checked exactly as that twin is (``arguments.checked``).
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping

from verifier.arguments import checked
from verifier.settings import LOG_LEVELS, default, env_name

__all__ = ["add_serve_arguments"]


def _help(name: str, what: str, shown: object = None) -> str:
    """A serve flag's help: what it does, its default, its environment twin."""
    value = default(name) if shown is None else shown
    return f"{what} (default: {value}; env {env_name(name)})".replace("%", "%%")


def add_serve_arguments(parser: argparse.ArgumentParser,
                        shown: Mapping[str, str] | None = None) -> None:
    """Add every serve flag to ``parser``; ``shown`` overrides the default a flag's help
    names (``exec``'s throw-away database, say)."""
    shown = shown or {}

    def help_(name: str, what: str, fallback: object = None) -> str:
        return _help(name, what, shown.get(name, fallback))

    parser.add_argument("--host", type=checked("host"),
                        help=help_("host", "the address to listen on"))
    parser.add_argument("--port", type=checked("port"),
                        help=help_("port", "the port to listen on, 0 for any free one "
                                           "(the banner prints the port it got)"))
    parser.add_argument("--database-url", type=checked("database_url"),
                        help=help_("database_url", "any SQLAlchemy URL: sqlite:///PATH or "
                                   "postgresql+psycopg://USER:PASSWORD@HOST/DATABASE "
                                   "(postgres:// works too)"))
    parser.add_argument("--admin-token", type=checked("admin_token"),
                        help=help_("admin_token", "bearer token of the admin API",
                                   "generated on first start, kept in the database and "
                                   "printed at each start"))
    parser.add_argument("--seed", type=checked("seed"),
                        help=help_("seed", "JSON or TOML file of help centers, secrets and "
                                   "users to load", "none"))
    parser.add_argument("--workers", type=checked("workers"),
                        help=help_("workers", "worker processes serving requests"))
    parser.add_argument("--demo", action="store_true", default=None,
                        help=help_("demo", "ensure a demo help center (domain localhost) "
                                   "and print its secret", "off"))
    parser.add_argument("--attempts-kept", type=checked("attempts_kept"),
                        help=help_("attempts_kept", "identify attempts kept per help center"))
    parser.add_argument("--sessions-kept", type=checked("sessions_kept"),
                        help=help_("sessions_kept", "sessions kept per help center"))
    parser.add_argument("--messages-kept", type=checked("messages_kept"),
                        help=help_("messages_kept", "contact-form messages kept per help "
                                                    "center"))
    parser.add_argument("--body-timeout", type=checked("body_timeout"), metavar="SECONDS",
                        help=help_("body_timeout", "seconds a request's whole body may "
                                   "take to arrive (then 408 and the connection closes)"))
    parser.add_argument("--log-level", type=checked("log_level"),
                        metavar="{" + ",".join(LOG_LEVELS) + "}",
                        help=help_("log_level", "the server log's level"))
    parser.add_argument("--db-wait", type=checked("db_wait"), metavar="SECONDS",
                        help=help_("db_wait", "seconds to keep retrying a database server "
                                   "that refuses connections at start (a database that "
                                   "cannot be opened fails at once)"))
