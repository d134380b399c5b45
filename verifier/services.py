"""What the handlers work with, made once per app: the settings, the admin token, the database
and the objects that query it. ``services(request)`` is typed, where Starlette's ``app.state``
is an untyped bag that a misspelt attribute only fails at run time."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Engine
from starlette.requests import HTTPConnection

from verifier import keys
from verifier.binding import Binder
from verifier.controls import Controls
from verifier.sessions import Sessions
from verifier.settings import Settings
from verifier.store import Store


@dataclass(frozen=True, slots=True)
class Services:
    settings: Settings
    admin_token: str  # the one given, or generated at start (see serving.serve)
    engine: Engine
    store: Store  # the admin API's and the dashboard's queries
    sessions: Sessions  # the widget's visits and messages
    controls: Controls  # the emulator controls
    binder: Binder  # identify's database side (its own thread: writer.py)

    @classmethod
    def build(cls, settings: Settings, engine: Engine) -> Services:
        return cls(settings=settings,
                   admin_token=settings.admin_token or keys.generate_admin_token(),
                   engine=engine, store=Store(engine), sessions=Sessions(engine),
                   controls=Controls(engine),
                   binder=Binder(engine, settings.attempts_kept, settings.sessions_kept))


def services(connection: HTTPConnection) -> Services:
    """The app's services, from a request (or any connection to it)."""
    return of_app(connection.app)


def of_app(app: Any) -> Services:
    """The services an app was built with (``app.create_app`` sets them)."""
    found: Services = app.state.services
    return found
