"""Temporal workflows of Whistle."""

from workflows.issue import ResidentIssue

__all__ = ["ResidentIssue"]
