"""Temporal's codec-server protocol, for supervisors: the Web UI and ``temporal workflow show`` decrypt
payloads here (DESIGN §9).

``POST /codec/decode`` and ``POST /codec/encode`` take and answer ``{"payloads": [...]}`` in protobuf's
JSON form. The caller is a supervisor, by ``Authorization: Bearer …`` (the CLI's ``--codec-auth``) or by
the ``whistle_token`` cookie that ``POST /codec/session`` sets (the Web UI, with "include cross-origin
credentials"). ``X-Namespace``, when sent, must be Whistle's namespace.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Cookie, Header, Request, Response
from fastapi.responses import HTMLResponse
from google.protobuf.json_format import MessageToDict, ParseDict, ParseError
from temporalio.api.common.v1 import Payloads

from api.deps import ServicesDep, caller_for_token, client_address
from api.problems import COMMON_RESPONSES, Problem, invalid
from domain.access import reads_payloads

router = APIRouter(prefix="/codec", tags=["codec"], responses=COMMON_RESPONSES)

COOKIE = "whistle_token"
MAX_PAYLOADS = 1000

_EXAMPLE = {"payloads": [{"metadata": {"encoding": "YmluYXJ5L2VuY3J5cHRlZA=="}, "data": "…"}]}
PayloadsBody = Annotated[dict[str, Any], Body(examples=[_EXAMPLE])]


def _caller_may_decode(services: Any, request: Request, authorization: str | None, cookie: str | None,
                       namespace: str | None) -> None:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        token = cookie or ""
    if not token:
        raise Problem("unauthenticated", "send Authorization: Bearer <token>, or sign in at POST /codec/session",
                      headers={"WWW-Authenticate": 'Bearer realm="whistle"'})
    caller = caller_for_token(services, token, client_address(request))
    if not reads_payloads(caller.actor):
        raise Problem("not-permitted", "the codec endpoint is for supervisors")
    if namespace not in (None, "", services.settings.temporal_namespace):
        raise Problem("not-permitted", f"namespace {namespace!r} is not Whistle's")


def _payloads(body: dict[str, Any]) -> Payloads:
    try:
        message = ParseDict(body, Payloads())
    except (ParseError, TypeError, ValueError) as exc:
        raise invalid("payloads", "protobuf JSON of temporal.api.common.v1.Payloads", f"payloads: {exc}") from None
    if len(message.payloads) > MAX_PAYLOADS:
        raise invalid("payloads", f"at most {MAX_PAYLOADS} at a time", "payloads: too many")
    return message


async def _run(services: Any, body: dict[str, Any], decode: bool) -> dict[str, Any]:
    message = _payloads(body)
    codec = services.client.data_converter.payload_codec
    if codec is None:
        return MessageToDict(message)
    try:
        done = await (codec.decode(message.payloads) if decode else codec.encode(message.payloads))
    except Exception as exc:  # noqa: BLE001 - a payload this keyring cannot open is the caller's input
        raise invalid("payloads", "a payload could not be decoded", f"payloads: {type(exc).__name__}") from None
    return MessageToDict(Payloads(payloads=done))


@router.post("/decode", summary="Decrypt payloads (supervisors)")
async def decode(body: PayloadsBody, services: ServicesDep, request: Request,
                 authorization: Annotated[str | None, Header()] = None,
                 whistle_token: Annotated[str | None, Cookie()] = None,
                 x_namespace: Annotated[str | None, Header()] = None) -> dict[str, Any]:
    _caller_may_decode(services, request, authorization, whistle_token, x_namespace)
    return await _run(services, body, decode=True)


@router.post("/encode", summary="Encrypt payloads (supervisors)")
async def encode(body: PayloadsBody, services: ServicesDep, request: Request,
                 authorization: Annotated[str | None, Header()] = None,
                 whistle_token: Annotated[str | None, Cookie()] = None,
                 x_namespace: Annotated[str | None, Header()] = None) -> dict[str, Any]:
    _caller_may_decode(services, request, authorization, whistle_token, x_namespace)
    return await _run(services, body, decode=False)


SIGN_IN_PAGE = """<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>Whistle codec sign-in</title>
<h1>解密登录 / Codec sign-in</h1>
<p>Paste a supervisor's token (<code>whistle token supervisor@…</code>). The Temporal Web UI can then decrypt
payloads through this API (tick "include cross-origin credentials" in its codec settings).</p>
<label for="t">Token</label> <input id="t" size="60" autocomplete="off"> <button id="go">Sign in</button>
<p id="out" role="status"></p>
<script>
document.getElementById("go").onclick = async () => {
  const r = await fetch("session", {method: "POST", credentials: "include",
    headers: {Authorization: "Bearer " + document.getElementById("t").value.trim()}});
  document.getElementById("out").textContent = r.ok ? "Signed in." : "Refused: " + r.status;
};
</script></html>"""


@router.get("/session", response_class=HTMLResponse, include_in_schema=False)
async def sign_in_page() -> HTMLResponse:
    return HTMLResponse(SIGN_IN_PAGE)


@router.post("/session", status_code=204, response_class=Response,
             summary="Sign this browser in for the Web UI's codec calls (sets an HttpOnly cookie)")
async def session(services: ServicesDep, request: Request,
                  authorization: Annotated[str | None, Header()] = None) -> Response:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Problem("unauthenticated", "send Authorization: Bearer <token>",
                      headers={"WWW-Authenticate": 'Bearer realm="whistle"'})
    caller = caller_for_token(services, token, client_address(request))
    if not reads_payloads(caller.actor):
        raise Problem("not-permitted", "the codec endpoint is for supervisors")
    response = Response(status_code=204)
    response.set_cookie(COOKIE, token, httponly=True, secure=True, samesite="none",
                        max_age=int(services.settings.token_ttl_hours * 3600), path="/codec")
    return response
