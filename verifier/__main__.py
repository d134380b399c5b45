"""``python -m verifier``: the same as the ``ferndesk-verifier`` command."""

from verifier.cli import main

raise SystemExit(main())
