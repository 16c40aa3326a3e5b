"""Temporal workflows of Whistle."""

from workflows.assessment import QuarterlyAssessment
from workflows.issue import ResidentIssue
from workflows.webhook import DeliveryInput, WebhookDelivery, delivery_workflow_id

__all__ = ["DeliveryInput", "QuarterlyAssessment", "ResidentIssue", "WebhookDelivery", "delivery_workflow_id"]
