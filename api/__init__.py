"""The HTTP API (FastAPI) under ``/v1``."""

from api.app import create_app

__all__ = ["create_app"]
