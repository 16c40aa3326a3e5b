"""The command line's way into the running stack: HTTP to the API, as a named principal."""

from __future__ import annotations

import os
from typing import Any, Self

import httpx

from core.settings import Settings


class ApiError(Exception):
    """Raised when the API answers with a problem detail (or not at all)."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        self.status = status
        self.problem = problem
        title = problem.get("title", "error")
        detail = problem.get("detail")
        super().__init__(f"{status} {title}" + (f": {detail}" if detail else ""))


def token_for(settings: Settings, principal_id: str | None) -> str:
    """``WHISTLE_TOKEN`` if set, else a token minted here for ``principal_id`` (embedded mode)."""
    given = os.environ.get("WHISTLE_TOKEN")
    if given and principal_id is None:
        return given
    if principal_id is None:
        raise SystemExit("say who you are: --as PRINCIPAL_ID (or set WHISTLE_TOKEN)")
    from api.auth import TokenService

    return TokenService(settings).issue(principal_id)


class ApiClient:
    def __init__(self, settings: Settings, principal_id: str | None, timeout: float = 60.0) -> None:
        self.http = httpx.Client(base_url=settings.api_url, timeout=timeout,
                                 headers={"Authorization": f"Bearer {token_for(settings, principal_id)}"})

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.close()

    def call(self, method: str, path: str, *, json: Any = None, params: dict[str, Any] | None = None,
             headers: dict[str, str] | None = None) -> Any:
        try:
            resp = self.http.request(method, path, json=json, params=params, headers=headers)
        except httpx.TransportError as exc:
            raise ApiError(503, {"title": "the API is not reachable",
                                 "detail": f"{self.http.base_url}: {exc}"}) from None
        if resp.status_code >= 400:
            try:
                problem = resp.json()
            except ValueError:
                problem = {"title": resp.text[:200]}
            raise ApiError(resp.status_code, problem)
        if resp.headers.get("content-type", "").startswith("application/json"):
            return resp.json()
        return resp.text
