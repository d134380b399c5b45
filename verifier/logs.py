"""How the server logs: one configuration for the ``serve`` process and every worker.

``--workers N`` starts its workers with ``spawn``: fresh interpreters that inherit no logging
set-up, so a ``logging.basicConfig`` in the parent leaves them with none and their INFO lines
(``identify widget=... outcome=...``) vanish. Uvicorn re-applies its ``log_config`` in each
worker; handing it this dictionary makes every worker log exactly as a single process does.
"""

from __future__ import annotations

import copy
from typing import Any

FORMAT = "%(levelname)s %(name)s %(message)s"


def logging_config(level: str) -> dict[str, Any]:
    """Uvicorn's own loggers as uvicorn sets them up, and ours (the root logger) in ``FORMAT``
    at ``level`` on stderr; Alembic's per-migration chatter only from WARNING."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["verifier"] = {"format": FORMAT}
    config["handlers"]["verifier"] = {"class": "logging.StreamHandler", "formatter": "verifier",
                                      "stream": "ext://sys.stderr"}
    config["root"] = {"handlers": ["verifier"], "level": level.upper()}
    config["loggers"]["alembic"] = {"level": "WARNING"}
    return config
