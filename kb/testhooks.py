"""A pause point for the kill test (tests/test_kill.py), inert unless a test asks for it.

With `KB_TEST_PAUSE_AT=<stage>` and `KB_TEST_PAUSE_FILE=<path>` in the environment, a build that
reaches `pause_at("<stage>")` writes the stage name to that file and sleeps, so the test can
SIGKILL it at exactly that moment (between the two renames of a switch, for one), or for
`KB_TEST_PAUSE_SECONDS` only (so that other processes arrive while it works). Without both
variables, which is always the case outside that test, `pause_at` returns at once.
"""

from __future__ import annotations

import os
import time

# Long enough for any test to notice the marker and kill the process; short enough that a
# process someone forgot does not sleep forever.
PAUSE_SECONDS = 120


def pause_at(stage: str) -> None:
    if os.environ.get("KB_TEST_PAUSE_AT") != stage:
        return
    marker = os.environ.get("KB_TEST_PAUSE_FILE")
    if not marker:
        return
    with open(marker + ".tmp", "w", encoding="utf-8") as fh:
        fh.write(stage)
    os.replace(marker + ".tmp", marker)  # whole: the test never reads it half written
    time.sleep(float(os.environ.get("KB_TEST_PAUSE_SECONDS", PAUSE_SECONDS)))
