"""``/v1/webhooks``: integrations subscribe to the notices addressed to them (POSTs signed as Standard Webhooks
are, delivered by Temporal with retries); they and the city's supervisors see the deliveries and replay dead
ones. A subscription's URL is https to a public address (or a private network the deployment names,
``WHISTLE_WEBHOOK_PRIVATE_NETWORKS``); its secret rotates with a day's grace."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, UrlConstraints

from api.deps import Caller, CallerDep, Services, ServicesDep
from api.problems import COMMON_RESPONSES, Problem, invalid
from core.egress import Refused, check_url
from domain.organisation import Role
from store import webhooks
from store.db import transaction

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"], responses=COMMON_RESPONSES)


#: the longest URL stored (the subscriptions' column)
MAX_URL = 2000


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: Annotated[AnyHttpUrl, UrlConstraints(max_length=2000)] = Field(examples=["https://hotline.example/hooks"])
    kinds: list[str] = Field(min_length=1, max_length=10, examples=[["result", "evaluation_request"]])


def _integration(caller: Caller) -> None:
    if not caller.has(Role.integration):
        raise Problem("not-permitted", "webhooks are for integrations (the systems that file issues)")


def _operator(caller: Caller, services: Services) -> bool:
    """The city's supervisors operate the deliveries of every integration."""
    return caller.has(Role.supervisor) and services.at_the_top(caller)


@router.post("", status_code=201, response_model=webhooks.SubscriptionOut,
             summary="Subscribe (the answer shows the signing secret once)")
def subscribe(body: SubscriptionIn, caller: CallerDep, services: ServicesDep) -> webhooks.SubscriptionOut:
    _integration(caller)
    if len(str(body.url)) > MAX_URL:  # as stored: non-ASCII grows when percent-encoded
        raise invalid("url", f"at most {MAX_URL} characters once encoded")
    try:
        check_url(str(body.url), services.settings.webhook_networks)
    except Refused as exc:
        raise invalid("url", str(exc)) from None
    try:
        with transaction(services.sessions) as session:
            return webhooks.subscribe(session, caller.id, str(body.url), body.kinds,
                                      at_most=services.settings.webhook_max_subscriptions)
    except webhooks.TooManySubscriptions as exc:
        raise Problem("wrong-state", str(exc)) from None
    except webhooks.WebhookError as exc:
        raise invalid("kinds", str(exc)) from None


@router.get("", response_model=list[webhooks.SubscriptionOut], summary="Your subscriptions")
def subscriptions(caller: CallerDep, services: ServicesDep) -> list[webhooks.SubscriptionOut]:
    _integration(caller)
    with services.sessions() as session:
        return webhooks.subscriptions(session, caller.id)


@router.delete("/{subscription_id}", status_code=204, summary="End a subscription")
def unsubscribe(subscription_id: str, caller: CallerDep, services: ServicesDep) -> None:
    _integration(caller)
    try:
        with transaction(services.sessions) as session:
            webhooks.unsubscribe(session, caller.id, subscription_id)
    except webhooks.WebhookError as exc:
        raise Problem("not-found", str(exc)) from None


@router.post("/{subscription_id}/rotate", response_model=webhooks.SubscriptionOut,
             summary="A new signing secret (shown once); the previous one signs beside it for a day")
def rotate(subscription_id: str, caller: CallerDep, services: ServicesDep) -> webhooks.SubscriptionOut:
    _integration(caller)
    try:
        with transaction(services.sessions) as session:
            return webhooks.rotate(session, caller.id, subscription_id)
    except webhooks.WebhookError as exc:
        raise Problem("not-found" if "no subscription" in str(exc) else "wrong-state", str(exc)) from None


@router.get("/deliveries", response_model=list[webhooks.DeliveryOut],
            summary="Deliveries: yours (an integration) or all (the city's supervisors)")
def deliveries(caller: CallerDep, services: ServicesDep,
               status: Annotated[Literal["pending", "delivered", "dead"] | None, Query()] = None,
               ) -> list[webhooks.DeliveryOut]:
    if not (caller.has(Role.integration) or _operator(caller, services)):
        raise Problem("not-permitted", "deliveries are shown to their integration and the city's supervisors")
    with services.sessions() as session:
        return webhooks.deliveries(session, None if _operator(caller, services) else caller.id, status)


@router.post("/deliveries/{delivery_id}/replay", status_code=202, summary="Send a dead delivery again")
def replay(delivery_id: str, caller: CallerDep, services: ServicesDep) -> dict[str, str]:
    with services.sessions() as session:
        mine = {d.id for d in webhooks.deliveries(session, caller.id, None)} if caller.has(Role.integration) else set()
    if not (_operator(caller, services) or delivery_id in mine):
        raise Problem("not-found", f"no delivery {delivery_id!r}")
    try:
        with transaction(services.sessions) as session:
            webhooks.replay(session, delivery_id)
    except webhooks.WebhookError as exc:
        raise Problem("wrong-state" if "only dead" in str(exc) else "not-found", str(exc)) from None
    return {"delivery_id": delivery_id, "status": "pending"}
