"""``GET /api/emulator/state``: the whole state as ``shapes.State``, what ``state.py`` imports.

Everything a help center holds is exported (secrets and API keys too: an emulator-only power,
as in any emulator's export), except its previous secrets (``retired_secrets``), so replacing
the state forgets them.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from verifier.clock import isoformat
from verifier.models import (
    api_keys,
    emulator_faults,
    help_centers,
    identify_attempts,
    messages,
    sessions,
    users,
)
from verifier.shapes import (
    State,
    StateAttempt,
    StateClock,
    StateFault,
    StateHelpCenter,
    StateMessage,
    StateSession,
    StateUser,
)
from verifier.store import journaled_warnings, read_clock


def export_state(engine: Engine) -> State:
    with engine.connect() as conn:
        clock = read_clock(conn)
        exported = [_exported_help_center(conn, hc) for hc in conn.execute(
            sa.select(help_centers).order_by(help_centers.c.created_at, help_centers.c.id))]
    return State(help_centers=exported,
                 clock=StateClock(offset_seconds=clock.offset_seconds,
                                  frozen_at=isoformat(clock.frozen_at)))


def _exported_help_center(conn: Connection, hc: Any) -> StateHelpCenter:
    def rows(table: sa.Table, order: sa.Column[Any]) -> list[Any]:
        return list(conn.execute(sa.select(table).where(table.c.help_center_id == hc.id)
                                 .order_by(order)))

    return StateHelpCenter(
        id=hc.id, name=hc.name, domain=hc.domain, widget_id=hc.widget_id,
        created_at=isoformat(hc.created_at), jwt_secret=hc.jwt_secret,
        jwt_secret_created_at=isoformat(hc.jwt_secret_created_at),
        users=[StateUser(sub=row.sub, email=row.email, name=row.name,
                         custom_attributes=None if row.custom_attributes is None
                         else json.loads(row.custom_attributes),
                         created_at=isoformat(row.created_at),
                         last_seen_at=isoformat(row.last_seen_at), id=row.public_id,
                         email_verified=bool(row.email_verified), disabled=bool(row.disabled),
                         last_login_at=isoformat(row.last_login_at),
                         updated_at=isoformat(row.updated_at))
               for row in rows(users, users.c.id)],
        api_keys=[row.key for row in conn.execute(
            sa.select(api_keys.c.key).where(api_keys.c.help_center_id == hc.id,
                                            api_keys.c.deleted_at.is_(None))
            .order_by(api_keys.c.created_at, api_keys.c.id))],
        sessions=[StateSession(id=row.id, sub=row.sub, email=row.email, name=row.name,
                               origin=row.origin, user_agent=row.user_agent,
                               started_at=isoformat(row.started_at),
                               identified_at=isoformat(row.identified_at),
                               ended_at=isoformat(row.ended_at))
                  for row in rows(sessions, sessions.c.started_at)],
        identify_attempts=[StateAttempt(at=isoformat(row.at), origin=row.origin, code=row.code,
                                        reason=row.reason, sub=row.sub,
                                        token_fingerprint=row.token_fingerprint,
                                        warnings=journaled_warnings(row.warnings))
                           for row in rows(identify_attempts, identify_attempts.c.id)],
        messages=[StateMessage(id=row.id, session_id=row.session_id, sub=row.sub,
                               email=row.email, name=row.name, body=row.body,
                               created_at=isoformat(row.created_at))
                  for row in rows(messages, messages.c.created_at)],
        faults=[StateFault(times=row.times, remaining=row.remaining, code=row.code,
                           status=row.status, delay_ms=row.delay_ms,
                           created_at=isoformat(row.created_at))
                for row in rows(emulator_faults, emulator_faults.c.id)],
    )
