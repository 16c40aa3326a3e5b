"""Temporal's codec-server protocol, for supervisors: the Web UI and ``temporal workflow show`` decrypt
payloads here (DESIGN §9).

``POST /codec/decode`` takes and answers ``{"payloads": [...]}`` in protobuf's JSON form (there is no
``/codec/encode``: the Web UI only reads). Each decode is recorded: who, when, how many payloads, and the issues
they speak of. The caller is a supervisor of the city, by ``Authorization: Bearer …`` (the CLI's ``--codec-auth``) or by
the ``whistle_token`` cookie that ``POST /codec/session`` sets. ``X-Namespace``, when sent, must be Whistle's
namespace.

The Web UI as it ships sends neither: its cluster-level codec endpoint carries no credentials, and a browser may
refuse a cross-site cookie. So signing in also answers a personal endpoint, ``/codec/s/<key>``, for the Web UI's
browser-level codec setting: the key names the supervisor and when it expires, signed by this installation; the
supervisor must still be a city supervisor in the directory at every decode, and the key never reaches a log.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac
import re
import time
from datetime import UTC, datetime
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Body, Cookie, Header, Path, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from google.protobuf.json_format import MessageToDict, ParseDict, ParseError
from pydantic import BaseModel
from temporalio.api.common.v1 import Payloads

from api.deps import Caller, ServicesDep, caller_for_token, counted_caller
from api.problems import COMMON_RESPONSES, Problem, invalid
from domain.capabilities import reads_payloads
from store import payload_reads
from store.db import transaction

log = structlog.get_logger("whistle.codec")

router = APIRouter(prefix="/codec", tags=["codec"], responses=COMMON_RESPONSES)

COOKIE = "whistle_token"
MAX_PAYLOADS = 1000

_EXAMPLE = {"payloads": [{"metadata": {"encoding": "YmluYXJ5L2VuY3J5cHRlZA=="}, "data": "…"}]}
PayloadsBody = Annotated[dict[str, Any], Body(examples=[_EXAMPLE])]


def _caller_may_decode(services: Any, request: Request, authorization: str | None, cookie: str | None,
                       namespace: str | None) -> Caller:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        token = cookie or ""
    if not token:
        raise Problem("unauthenticated", "send Authorization: Bearer <token>, or sign in at POST /codec/session",
                      headers={"WWW-Authenticate": 'Bearer realm="whistle"'})
    return _may_decode(services, caller_for_token(services, token, request), namespace)


def _may_decode(services: Any, caller: Caller, namespace: str | None) -> Caller:
    if not reads_payloads(caller.actor, services.at_the_top(caller)):
        raise Problem("not-permitted", "the codec endpoint is for the city's supervisors")
    if namespace not in (None, "", services.settings.temporal_namespace):
        raise Problem("not-permitted", f"namespace {namespace!r} is not Whistle's")
    return caller


# --- the personal endpoint for the Web UI -------------------------------------------------------------------

KEY_PATTERN = r"^[A-Za-z0-9_-]{1,300}\.[0-9]{1,12}\.[A-Za-z0-9_-]{43}$"


def _link_key(services: Any) -> bytes:
    """The key personal endpoints are signed with: derived from the installation's signing secret."""
    return hashlib.sha256(b"whistle codec link\0" + services.settings.signing_secret().encode()).digest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def personal_key(services: Any, principal_id: str, expires: int) -> str:
    """``<principal>.<expires>.<signature>``: who may decode through it, until when (epoch seconds)."""
    body = f"{_b64(principal_id.encode())}.{expires}"
    return f"{body}.{_b64(hmac.new(_link_key(services), body.encode(), hashlib.sha256).digest())}"


def _caller_of_key(services: Any, key: str) -> Caller:
    """The supervisor a personal endpoint's key names, if its signature holds and it has not expired; the
    directory decides, at each decode, whether they may still read payloads."""
    refused = Problem("unauthenticated", "this codec endpoint is not valid (expired, or not this installation's): "
                                         "sign in again at /codec/session")
    who, _, rest = key.partition(".")
    expires, _, signature = rest.partition(".")
    expected = hmac.new(_link_key(services), f"{who}.{expires}".encode(), hashlib.sha256).digest()
    try:
        # one spelling of the signature only (base64 ignores a last character's spare bits)
        if (not hmac.compare_digest(_unb64(signature), expected) or _b64(expected) != signature
                or int(expires) < time.time()):
            raise refused
        principal_id = _unb64(who).decode()
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise refused from None
    principal = services.organisation.principals.get(principal_id)
    if principal is None or not principal.active:
        raise Problem("not-in-directory", f"{principal_id!r} is not an active person of the directory")
    return counted_caller(services, principal)  # as for a bearer token: the person's requests are counted


class CodecSession(BaseModel):
    """What signing in gives: the Web UI's endpoint for this supervisor, and when it stops working."""

    endpoint: str
    expires_at: datetime


def _payloads(body: dict[str, Any]) -> Payloads:
    try:
        message = ParseDict(body, Payloads())
    except (ParseError, TypeError, ValueError) as exc:
        raise invalid("payloads", "protobuf JSON of temporal.api.common.v1.Payloads", f"payloads: {exc}") from None
    if len(message.payloads) > MAX_PAYLOADS:
        raise invalid("payloads", f"at most {MAX_PAYLOADS} at a time", "payloads: too many")
    return message


async def _run(services: Any, body: dict[str, Any]) -> dict[str, Any]:
    message = _payloads(body)
    codec = services.client.data_converter.payload_codec
    if codec is None:
        return MessageToDict(message)
    try:
        done = await codec.decode(message.payloads)
    except Exception as exc:  # noqa: BLE001 - a payload this keyring cannot open is the caller's input
        raise invalid("payloads", "a payload could not be decoded", f"payloads: {type(exc).__name__}") from None
    return MessageToDict(Payloads(payloads=done))


@router.post("/decode", summary="Decrypt payloads (the city's supervisors; every decode is recorded)")
async def decode(body: PayloadsBody, services: ServicesDep, request: Request,
                 authorization: Annotated[str | None, Header()] = None,
                 whistle_token: Annotated[str | None, Cookie()] = None,
                 x_namespace: Annotated[str | None, Header()] = None) -> dict[str, Any]:
    caller = _caller_may_decode(services, request, authorization, whistle_token, x_namespace)
    return await _decode_for(services, caller, body)


@router.post("/s/{key}/decode", summary="Decrypt payloads through a supervisor's personal endpoint (the Web UI)")
async def decode_personal(body: PayloadsBody, services: ServicesDep,
                          key: Annotated[str, Path(pattern=KEY_PATTERN, max_length=400)],
                          x_namespace: Annotated[str | None, Header()] = None) -> dict[str, Any]:
    caller = _may_decode(services, _caller_of_key(services, key), x_namespace)
    return await _decode_for(services, caller, body)


async def _decode_for(services: Any, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
    decoded = await _run(services, body)
    issues = sorted(set(_ISSUE_ID.findall(_plain_text(decoded))))[:MAX_RECORDED_ISSUES]
    count = len(decoded.get("payloads", []))

    def record() -> None:
        with transaction(services.sessions) as session:
            payload_reads.record(session, caller.id, count, issues)

    await run_in_threadpool(record)
    log.info("payloads_decoded", principal=caller.id, payloads=count, issues=issues)
    return decoded


#: the issues a decoded payload speaks of (a report, an action, a projection batch all carry ``issue_id``)
_ISSUE_ID = re.compile(r'"issue_id"\s*:\s*"([A-Za-z0-9_.:-]{1,64})"')
MAX_RECORDED_ISSUES = 50


def _plain_text(decoded: dict[str, Any]) -> str:
    out = []
    for payload in decoded.get("payloads", []):
        with contextlib.suppress(ValueError, TypeError):
            out.append(base64.b64decode(payload.get("data", "")).decode("utf-8", errors="replace"))
    return "\n".join(out)


SIGN_IN_PAGE = """<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>Whistle codec sign-in</title>
<h1>解密登录 / Codec sign-in</h1>
<p>Paste a city supervisor's token (<code>whistle token supervisor@…</code>) and sign in. You get your own codec
endpoint for the Temporal Web UI: there, open the codec settings ("Codec Server", at the top of a page), choose
"Use my browser setting and ignore Cluster-level setting", paste the endpoint, and apply.</p>
<label for="t">Token</label> <input id="t" size="60" autocomplete="off"> <button id="go">Sign in</button>
<p id="out" role="status"></p>
<p><label for="endpoint">Your codec endpoint</label><br><input id="endpoint" size="90" readonly></p>
<script>
document.getElementById("go").onclick = async () => {
  const r = await fetch("session", {method: "POST", credentials: "include",
    headers: {Authorization: "Bearer " + document.getElementById("t").value.trim()}});
  if (!r.ok) { document.getElementById("out").textContent = "Refused: " + r.status; return; }
  const s = await r.json();
  document.getElementById("endpoint").value = s.endpoint;
  document.getElementById("out").textContent = "Signed in until " + s.expires_at + ".";
};
</script></html>"""


_SCRIPT = SIGN_IN_PAGE.split("<script>", 1)[1].split("</script>", 1)[0]
#: the page's one inline script, allowed by its hash and nothing else
_SCRIPT_HASH = base64.b64encode(hashlib.sha256(_SCRIPT.encode()).digest()).decode()
SIGN_IN_POLICY = (f"default-src 'none'; script-src 'sha256-{_SCRIPT_HASH}'; connect-src 'self'; "
                  "frame-ancestors 'none'; base-uri 'none'; form-action 'none'")


@router.get("/session", response_class=HTMLResponse, include_in_schema=False)
async def sign_in_page() -> HTMLResponse:
    return HTMLResponse(SIGN_IN_PAGE, headers={"Content-Security-Policy": SIGN_IN_POLICY})


@router.post("/session", response_model=CodecSession,
             summary="Sign in for the Web UI's codec calls: your personal endpoint, and an HttpOnly cookie")
async def session(services: ServicesDep, request: Request, response: Response,
                  authorization: Annotated[str | None, Header()] = None) -> CodecSession:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Problem("unauthenticated", "send Authorization: Bearer <token>",
                      headers={"WWW-Authenticate": 'Bearer realm="whistle"'})
    caller = _may_decode(services, caller_for_token(services, token, request), None)
    now = int(time.time())
    # the endpoint lives no longer than the token it was given for
    expires = min(now + int(services.settings.token_ttl_hours * 3600), int(services.tokens.expiry(token)))
    response.set_cookie(COOKIE, token, httponly=True, secure=True, samesite="none", max_age=max(0, expires - now),
                        path="/codec")
    response.headers["Cache-Control"] = "no-store"  # the answer is a credential
    key = personal_key(services, caller.id, expires)
    return CodecSession(endpoint=f"{services.settings.api_url}/codec/s/{key}",
                        expires_at=datetime.fromtimestamp(expires, UTC))
