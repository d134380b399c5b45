"""The answer of a route whose body is a wire shape of ``shapes.py``."""

from __future__ import annotations

from typing import Any

import msgspec
from starlette.responses import Response


class ShapeResponse(Response):
    """An answer that is a wire shape of ``shapes.py`` (or a list of them), encoded by msgspec:
    the struct is the answer's one declaration, so no dict is built on the way out."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return msgspec.json.encode(content)
