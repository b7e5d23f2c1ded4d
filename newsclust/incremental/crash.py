"""Test hook: ``NEWSCLUST_CRASH_AT=<stage>`` makes the process SIGKILL itself at that stage, so
the crash tests (tests/test_crash.py) can kill a real run at a chosen point."""

from __future__ import annotations

import logging
import os
import signal

logger = logging.getLogger(__name__)

CRASH_ENV = "NEWSCLUST_CRASH_AT"
#: The stages, in the order a run passes them.
CRASH_STAGES = ("locked", "loaded", "deduplicated", "clustered", "summarized", "writing",
                "written", "committed")


def checkpoint(stage: str) -> None:
    """Die here when the test hook names this stage."""
    if os.environ.get(CRASH_ENV) == stage:
        logger.warning("test hook %s=%s: killing this process", CRASH_ENV, stage)
        os.kill(os.getpid(), signal.SIGKILL)
