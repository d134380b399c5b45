"""The ids an admin may choose: a help center's ``id`` and ``widget_id``.

One rule for every door that lets an id in (the admin API, the dashboard's form, a state import
and a seed), because an id travels far: into URL paths (``/widget/{widget_id}/identify``), into
the widget's session cookie name, and into a 64-character database column. A space, ``;`` or
``/`` would break the cookie or the route, and a longer id would fail on PostgreSQL only.
"""

from __future__ import annotations

import re
from typing import Final

IDENTIFIER: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
IDENTIFIER_RULE: Final = ("must be 1-64 letters, digits, '.', '_' or '-', starting with a letter "
                          "or digit")


def identifier_problem(value: str) -> str | None:
    """Why ``value`` cannot be an id, as the end of a sentence that starts with the field's
    name; None if it can."""
    if IDENTIFIER.fullmatch(value):
        return None
    return f"{IDENTIFIER_RULE}, got {value[:80]!r}" + ("..." if len(value) > 80 else "")
