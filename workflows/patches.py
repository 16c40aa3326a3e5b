"""The patches an issue's history may record, and what they turn on.

A run reads the patches it starts with once (:func:`features`), as one frozen set; two patches are asked lazily, at
the point their histories recorded them (:func:`runs_locally`). New issues record :data:`BASELINE` alone: every
change up to it in one marker. Older histories go through the patches one by one as they recorded them; the replay
suite (``tests/histories``) holds one of each.
"""

from __future__ import annotations

from enum import StrEnum

from temporalio import workflow

#: issues started before the read model existed replay without projecting
PROJECTION = "read-model-projection"
#: issues started before rules 2 keep the rules they started with until they continue as new
RULES_2 = "rules-2"
#: urges, supervisions and the escalation after the last rework charged to the unit concerned (rules 3)
RULES_3 = "rules-3"
#: deadlines come from a local activity (no task round trip through the server); older issues keep the
#: regular activity they recorded
LOCAL_DEADLINES = "local-deadlines"
#: issues say in a search attribute when a deadline is provisional, so loading a year's arrangement finds them
PROVISIONAL = "provisional-deadlines"
#: the read model is written by a local activity beside the workflow task that made the events (falling back to
#: the regular activity while the database is away); older issues keep the regular activity they recorded
LOCAL_PROJECTION = "local-projection"
#: ...withdrawn: issues started since project by the regular activity again (the chaos suite saw a local
#: projection's marker fail to decode on replay after the Temporal server restarted; see docs/BENCHMARKS.md).
#: Issues that recorded "local-projection" keep replaying it
REGULAR_PROJECTION = "regular-projection"
#: the report's context (ladder, matter) is loaded by a local activity in the issue's first workflow task, so that
#: the issue is open when that task completes; older issues loaded it by the regular activity
LOCAL_CONTEXT = "local-context"
#: every change above, in one marker (each patch costs a marker and a search-attribute upsert per issue, a
#: visibility write on the server)
BASELINE = "baseline-7"


class Feature(StrEnum):
    """What a run does, decided by the patches its history recorded."""

    baseline = "baseline"  # started with every patch up to BASELINE in one
    projects = "projects"  # writes the read model
    publishes_provisional = "publishes_provisional"  # the provisional-deadline search attribute
    projects_locally = "projects_locally"  # by a local activity (issues that recorded the withdrawn patch)
    rules_2 = "rules_2"
    rules_3 = "rules_3"


def features() -> frozenset[Feature]:
    """Ask, in the order older histories recorded them, which patches this run has."""
    found: set[Feature] = set()
    if workflow.patched(BASELINE):
        found |= {Feature.baseline, Feature.projects, Feature.rules_2, Feature.publishes_provisional}
    else:
        projects = workflow.patched(PROJECTION)
        if projects:
            found.add(Feature.projects)
        if workflow.patched(RULES_2):
            found.add(Feature.rules_2)
        if workflow.patched(PROVISIONAL):
            found.add(Feature.publishes_provisional)
        if projects and not workflow.patched(REGULAR_PROJECTION) and workflow.patched(LOCAL_PROJECTION):
            found.add(Feature.projects_locally)
    if workflow.patched(RULES_3):
        found.add(Feature.rules_3)
    return frozenset(found)


def rules_version(found: frozenset[Feature]) -> int:
    """The rule version (:mod:`domain.rule_versions`) a run starts an issue with, or raises a carried one to."""
    return 3 if Feature.rules_3 in found else 2 if Feature.rules_2 in found else 1


def runs_locally(found: frozenset[Feature], patch: str) -> bool:
    """Whether a read-only activity runs locally: for the baseline, or where the history recorded ``patch``."""
    return Feature.baseline in found or workflow.patched(patch)
