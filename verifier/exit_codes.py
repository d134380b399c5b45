"""How a ``ferndesk-verifier`` command ends: its exit status, and the program name that opens
every one-line failure it prints on stderr.

- 0 success (``inspect``: no problem found and, given a secret, the signature verifies);
- 1 failure (``inspect``: at least one problem; ``token``: the secret could not be fetched;
  ``serve``: could not start: port taken, database unusable, bad seed);
- 2 usage error (a flag, or a ``FERNDESK_VERIFIER_*`` twin, refused: one line naming it; a
  ``--secret-env`` variable unset or empty).

``exec`` exits with its COMMAND's status, in the shell's terms, so that a CI step reads the same
whether COMMAND ran alone or under ``exec``: 128+N when COMMAND was killed by signal N, 127 when
COMMAND is not found, 126 when it cannot be run; 1 when the server could not start (COMMAND never
ran); 2 usage error.

Kept apart from the parser so that each command's module returns these without importing
``cli`` (which imports every command to dispatch to it).
"""

from __future__ import annotations

__all__ = ["EXIT_CANNOT_RUN", "EXIT_FAILED", "EXIT_NOT_FOUND", "EXIT_OK", "EXIT_USAGE",
           "PROG", "SIGNAL_BASE"]

EXIT_OK, EXIT_USAGE, EXIT_FAILED = 0, 2, 1
# The shell's conventions, which ``exec`` follows for its COMMAND.
EXIT_CANNOT_RUN, EXIT_NOT_FOUND, SIGNAL_BASE = 126, 127, 128

PROG = "ferndesk-verifier"
