"""Serving the API with uvicorn (``whistle api``; started by ``whistle run``)."""

from __future__ import annotations

import sys

import uvicorn

from core.settings import Settings


def serve_api(settings: Settings) -> int:
    problem = settings.api_secrets_problem()
    if problem:  # refused before anything listens, in a sentence, not a traceback
        print(f"whistle api: refusing to start: {problem}", file=sys.stderr)
        return 2
    from api.app import create_app

    app = create_app(settings)
    uvicorn.run(app, host=settings.api_host, port=settings.api_port, log_level="warning", access_log=False,
                timeout_graceful_shutdown=10)
    return 0
