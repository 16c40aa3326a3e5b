"""Integrations' API keys at the door (Open311's ``api_key``): the caller a key names, checked as a bearer token
is (``api.deps.caller_for_token``) — counted against the caller's rate limit, and a wrong key counted against the
client's address, so that guessing slows down."""

from __future__ import annotations

from starlette.requests import HTTPConnection

from api.deps import Caller, Services, client_address, counted_caller
from api.problems import Problem
from store import api_keys


def caller_for_key(services: Services, key: str | None, request: HTTPConnection) -> Caller:
    """The active principal ``key`` names, as this request's caller. A 403 problem for a missing key, or one that
    is unknown, revoked, expired or its principal's deactivated; beyond ``auth_failure_limit`` wrong keys from one
    address, a 429 problem."""
    if not key:
        raise Problem("not-permitted", "an api_key is required")
    with services.sessions() as session:
        principal_id = api_keys.principal_for(session, key)
    principal = services.organisation.principals.get(principal_id or "")
    if principal is None or not principal.active:
        address = client_address(services, request)
        services.auth_failures.refuse_if_spent(address)
        services.auth_failures.count(address)
        raise Problem("not-permitted", "the api_key is not valid (unknown, revoked or expired)")
    return counted_caller(services, principal)
