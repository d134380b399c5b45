"""How a ``ferndesk-verifier`` command ends: its exit status, and the program name that opens
every one-line failure it prints on stderr.

- 0 success (``inspect``: no problem found and, given a secret, the signature verifies);
- 1 failure (``inspect``: at least one problem; ``token``: the secret could not be fetched;
  ``serve``: could not start: port taken, database unusable, bad seed);
- 2 usage error (a flag, or a ``FERNDESK_VERIFIER_*`` twin, refused: one line naming it; a
  ``--secret-env`` variable unset or empty).

Kept apart from the parser so that each command's module returns these without importing
``cli`` (which imports every command to dispatch to it).
"""

from __future__ import annotations

__all__ = ["EXIT_FAILED", "EXIT_OK", "EXIT_USAGE", "PROG"]

EXIT_OK, EXIT_USAGE, EXIT_FAILED = 0, 2, 1

PROG = "ferndesk-verifier"
