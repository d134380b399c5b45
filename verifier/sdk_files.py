"""Where the stub SDK lives: ``sdk_stub/`` in a source tree, packaged beside us when installed."""

from __future__ import annotations

from pathlib import Path

_SOURCE = Path(__file__).resolve().parent.parent / "sdk_stub" / "ferndesk.js"
_INSTALLED = Path(__file__).resolve().parent / "sdk_stub" / "ferndesk.js"

SDK_PATH = _SOURCE if _SOURCE.exists() else _INSTALLED
