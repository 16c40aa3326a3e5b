"""ASGI middleware: answer only to the Host names configured, send the security headers, cap request bodies,
and bind a request's log context."""

from __future__ import annotations

import time
import uuid

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import Problem, loggable, problem_response, unexpected_response

log = structlog.get_logger("whistle.api")


class BodyLimit:
    """Refuse bodies over ``max_bytes`` with 413 before a handler sees them. A declared length is
    checked at once; a chunked body is read up to the cap and replayed."""

    def __init__(self, app: ASGIApp, max_bytes: int, larger: dict[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.larger = larger or {}  # path → its own cap (a district's directory workbook)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE"):
            await self.app(scope, receive, send)
            return
        cap = self.larger.get(scope["path"], self.max_bytes)
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length")
        if declared is not None:
            if not declared.isdigit() or int(declared) > cap:
                await self._refuse(scope, receive, send)
                return
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > cap:
                await self._refuse(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        cap = self.larger.get(scope["path"], self.max_bytes)
        problem = Problem("body-too-large", f"request bodies here are limited to {cap} bytes")
        await problem_response(problem, scope.get("path"))(scope, receive, send)


#: what a page of the console (or anything else this API serves) may load and do: its own scripts and
#: styles (Element Plus sets inline styles), images from itself and https, no frames, no plugins, no one framing it
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                           "img-src 'self' data: https:; connect-src 'self'; font-src 'self' data:; "
                           "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
SECURITY_HEADERS = [(b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"no-referrer")]
#: Swagger UI and ReDoc pages (FastAPI's) bring their own inline script; they keep every header but the policy
OWN_POLICY_PATHS = ("/docs", "/redoc")
#: a load balancer's or a container's health check sends whatever Host it likes (the target's address)
UNCHECKED_HOST_PATHS = frozenset({"/healthz", "/readyz"})


class SecureHeaders:
    """Refuse a Host that is not this API's (a web page that rebinds its name to 127.0.0.1 cannot reach a local
    ``make run``), and send the security headers with every answer."""

    def __init__(self, app: ASGIApp, hosts: frozenset[str] | None) -> None:
        self.app = app
        self.hosts = hosts  # None: any

    def _host_allowed(self, scope: Scope) -> bool:
        if self.hosts is None:
            return True
        raw = dict(scope["headers"]).get(b"host", b"").decode("latin-1").strip().lower()
        name = raw[1:raw.find("]")] if raw.startswith("[") else raw.rsplit(":", 1)[0] if raw.count(":") == 1 else raw
        return name in self.hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.setdefault("headers", [])
                present = {k.lower() for k, _ in headers}
                headers.extend(h for h in SECURITY_HEADERS if h[0] not in present)
                if b"content-security-policy" not in present and not scope["path"].startswith(OWN_POLICY_PATHS):
                    headers.append((b"content-security-policy", CONTENT_SECURITY_POLICY.encode()))
            await send(message)

        if not self._host_allowed(scope) and scope["path"] not in UNCHECKED_HOST_PATHS:
            problem = Problem("bad-request", "this API does not answer to that Host name (WHISTLE_ALLOWED_HOSTS)")
            await problem_response(problem, scope.get("path"))(scope, receive, with_headers)
            return
        await self.app(scope, receive, with_headers)


class RequestContext:
    """Binds ``request_id``, method and path for every log line of a request, and logs its outcome."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        structlog.contextvars.clear_contextvars()
        request_id = uuid.uuid4().hex[:12]
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status = 500
        responding = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, responding
            if message["type"] == "http.response.start":
                status, responding = message["status"], True
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            # Starlette's last-resort handler answers and then re-raises, and the server closes the
            # connection; answered here, the error ends with its 500 and the next request is served.
            if responding:  # the answer is under way: nothing more can be said on it
                log.exception("unexpected_error_while_responding", path=loggable(scope.get("path", "")))
            else:
                await unexpected_response(scope.get("path"))(scope, receive, send_with_id)
        finally:
            log.info("request", method=scope["method"], path=loggable(scope["path"]), status=status,
                     ms=round((time.perf_counter() - started) * 1000, 1))
            structlog.contextvars.clear_contextvars()
