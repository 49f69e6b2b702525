"""Server errors in the log: the first traceback of each cause in full, later ones as one line with a count.

A cause is the exception's type and the line of our code (or a library's) where it was raised, so a page
that fails on every request writes one traceback, not one per request, and a new failure still shows in
full. Counts live in the process (each worker logs a cause's traceback once).
"""

from __future__ import annotations

import logging
import threading
import traceback
from types import TracebackType

# Causes remembered per process; past this, every further new cause is still logged in full.
MAX_CAUSES = 1000
_EXTENSION = "foiltrack.tracebacks"


class TracebackLog:
    """How often each cause was seen in this process."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.counts: dict[tuple[str, str, int], int] = {}

    def seen(self, cause: tuple[str, str, int]) -> int:
        """Count one more occurrence of `cause`; return how many there have been, this one included."""
        with self.lock:
            count = self.counts.get(cause, 0) + 1
            if cause in self.counts or len(self.counts) < MAX_CAUSES:
                self.counts[cause] = count
            return count


def cause_of(exc: BaseException) -> tuple[str, str, int]:
    """The exception's type and the file and line of the innermost frame that raised it."""
    tb: TracebackType | None = exc.__traceback__
    where = ("?", 0)
    while tb is not None:
        where = (tb.tb_frame.f_code.co_filename, tb.tb_lineno)
        tb = tb.tb_next
    kind = type(exc)
    return f"{kind.__module__}.{kind.__qualname__}", where[0], where[1]


def log_server_error(app, logger: logging.Logger, what: str, exc: BaseException) -> None:
    """Log `exc` under `what` (e.g. "Exception on /search [GET]"): with its traceback the first time its
    cause is seen in this process, as one line with the running count after that."""
    book = app.extensions.setdefault(_EXTENSION, TracebackLog())
    cause = cause_of(exc)
    count = book.seen(cause)
    if count == 1:
        logger.error("%s", what, exc_info=(type(exc), exc, exc.__traceback__))
        return
    summary = traceback.format_exception_only(type(exc), exc)[-1].strip()[:300]
    logger.error("%s: %s at %s:%d (seen %d times; the first has the traceback)", what, summary, cause[1],
                 cause[2], count)
