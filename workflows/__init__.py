"""Temporal workflows of Whistle."""

from workflows.issue import ResidentIssue
from workflows.webhook import DeliveryInput, WebhookDelivery, delivery_workflow_id

__all__ = ["DeliveryInput", "ResidentIssue", "WebhookDelivery", "delivery_workflow_id"]
