"""Users' public ids: drawn from the system's random source in batches, never repeated, and a
forked process draws its own."""

from __future__ import annotations

import os
import re

from verifier.models import USER_IDS_PER_DRAW, new_user_id

USER_ID = re.compile(r"hcusr_[0-9a-f]{24}")


def test_ids_are_96_random_bits_in_hex_and_never_repeat_across_draws() -> None:
    ids = [new_user_id() for _ in range(5 * USER_IDS_PER_DRAW + 3)]
    assert all(USER_ID.fullmatch(user_id) for user_id in ids)
    assert len(set(ids)) == len(ids)


def test_a_forked_child_draws_ids_its_parent_does_not() -> None:
    new_user_id()  # the parent holds drawn ids, which the child must not hand out again
    reading, writing = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child
        os.write(writing, " ".join(new_user_id() for _ in range(8)).encode())
        os._exit(0)
    os.close(writing)
    os.waitpid(child, 0)
    with os.fdopen(reading) as pipe:
        theirs = set(pipe.read().split())
    ours = {new_user_id() for _ in range(USER_IDS_PER_DRAW)}
    assert len(theirs) == 8 and not theirs & ours
