"""structlog set-up: readable lines in development, JSON lines in production.

Context (``issue_id``, ``task_id``, ``principal``) is bound with structlog's context variables by
whoever knows it — the activities per call, the API per request.

What a log may hold is bounded: tracebacks never show local variables (they held the signing secret, the
database password and residents' personal data), an error is one record of at most :data:`MAX_FRAMES`
frames, and no value is longer than :data:`MAX_VALUE_CHARS`.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog
from structlog.tracebacks import ExceptionDictTransformer

MAX_FRAMES = 20
MAX_VALUE_CHARS = 2000


def _truncate(_logger: Any, _name: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key, value in event.items():
        if isinstance(value, str) and len(value) > MAX_VALUE_CHARS:
            event[key] = f"{value[:MAX_VALUE_CHARS]}… ({len(value)} characters)"
    return event


def _plain_traceback(sio: Any, exc_info: Any) -> None:
    """The console's traceback: frames and the exception, never the locals."""
    import traceback

    lines = traceback.format_exception(*exc_info, limit=MAX_FRAMES)
    sio.write("\n" + "".join(lines))


def configure_logging(fmt: str = "console", level: str = "INFO") -> None:
    if fmt == "json":
        renderer: structlog.typing.Processor = structlog.processors.JSONRenderer()
        errors: structlog.typing.Processor = structlog.processors.ExceptionRenderer(
            ExceptionDictTransformer(show_locals=False, max_frames=MAX_FRAMES, use_rich=False))
    else:
        renderer = structlog.dev.ConsoleRenderer(colors=False, exception_formatter=_plain_traceback)
        errors = structlog.dev.set_exc_info
    logging.basicConfig(format="%(message)s", stream=sys.stderr, level=level.upper())
    for chatty in ("httpx", "httpcore"):  # a line per request is the API's job, not the client's
        logging.getLogger(chatty).setLevel(logging.WARNING)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _truncate,
            errors,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=True,
    )
