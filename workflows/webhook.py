"""``WebhookDelivery``: one notification to one subscriber, retried with backoff, dead-lettered after a bound."""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel
from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.delivery import WebhookActivities


class DeliveryInput(BaseModel):
    delivery_id: str
    attempts: int = 8  # then the dead letter
    first_retry_s: float = 2.0
    max_retry_s: float = 300.0


def webhook_queue(task_queue: str) -> str:
    """Deliveries run on a task queue of their own beside the issues' (a slow receiver holds only its pool)."""
    return f"{task_queue}-webhooks"


def delivery_workflow_id(delivery_id: str, run: int) -> str:
    return f"webhook-{delivery_id}-{run}"


@workflow.defn(name="WebhookDelivery")
class WebhookDelivery:
    @workflow.run
    async def run(self, inp: DeliveryInput) -> str:
        retry = RetryPolicy(initial_interval=timedelta(seconds=inp.first_retry_s), backoff_coefficient=2.0,
                            maximum_interval=timedelta(seconds=inp.max_retry_s), maximum_attempts=inp.attempts)
        try:
            await workflow.execute_activity_method(WebhookActivities.deliver, inp.delivery_id,
                                                   start_to_close_timeout=timedelta(seconds=30), retry_policy=retry)
        except ActivityError:
            await workflow.execute_activity_method(WebhookActivities.dead_letter, inp.delivery_id,
                                                   start_to_close_timeout=timedelta(seconds=30))
            return "dead"
        return "delivered"
