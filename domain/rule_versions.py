"""The rules an issue runs by, as named behaviours: one object per version, read as ``version(state).<behaviour>``.

An issue records the version it started with (``IssueState.rules``, chosen by the workflow's patches) and keeps it
to the end, so a change to the step table never moves under a running issue. What older issues still do lives in
:mod:`domain.steps.older`; a version can go when no recorded history needs it — the replay suite says so
(``tests/histories``).

1. Issues started before the review of the step table: their histories replay unchanged.
2. A late approval dispatches at the street, reworks are limited per round, stopped time is working time, red opens
   a supervision task, a late follower is asked to evaluate.
3. An urge or a supervision is charged to (and tells) the unit holding the late task, the escalation after the last
   return for rework is charged to the lead whose work was returned, and the whistler rates each unit that checked in.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class RuleVersion:
    number: int
    #: a late whistle approval dispatches from the level the whistle was blown at, not from where it climbed to
    approval_dispatches_from_the_whistle: bool
    #: the rework limit counts per round of summoning, and the last return is recorded before the round restarts
    reworks_per_round: bool
    #: a restarted clock's deadline gains the working time lost, counted by the calendar (not wall-clock time)
    lost_time_is_working_time: bool
    #: at the top of the ladder nothing escalates (older issues recorded an escalation to the city itself)
    nothing_above_the_top: bool
    #: a handling task once overdue stays late, whatever extension is granted later
    lateness_survives_extension: bool
    #: red opens a supervision task (督办) for the supervisor above
    red_opens_supervision: bool
    #: a follower linked while the issue is being evaluated is asked to rate it too
    asks_late_followers: bool
    #: the read model takes a long backlog batch by batch, and the issue forgets what it holds
    projects_in_batches: bool
    #: urges and supervisions are charged to the unit concerned (the late task's), with the urger as ``by_unit_id``
    charges_the_unit_concerned: bool
    #: the escalation after the last return for rework is charged to the lead whose work was returned
    rework_escalation_charged_to_lead: bool
    #: the whistler rates each unit that checked in (one evaluate task per unit), not the issue as a whole
    whistler_rates_each_unit: bool


_FIRST = RuleVersion(
    number=1, approval_dispatches_from_the_whistle=False, reworks_per_round=False, lost_time_is_working_time=False,
    nothing_above_the_top=False, lateness_survives_extension=False, red_opens_supervision=False,
    asks_late_followers=False, projects_in_batches=False, charges_the_unit_concerned=False,
    rework_escalation_charged_to_lead=False, whistler_rates_each_unit=False)
_SECOND = replace(
    _FIRST, number=2, approval_dispatches_from_the_whistle=True, reworks_per_round=True,
    lost_time_is_working_time=True, nothing_above_the_top=True, lateness_survives_extension=True,
    red_opens_supervision=True, asks_late_followers=True, projects_in_batches=True)
_THIRD = replace(
    _SECOND, number=3, charges_the_unit_concerned=True, rework_escalation_charged_to_lead=True,
    whistler_rates_each_unit=True)

VERSIONS: dict[int, RuleVersion] = {v.number: v for v in (_FIRST, _SECOND, _THIRD)}
#: the version new issues start with
CURRENT_RULES = max(VERSIONS)


def rule_version(number: int) -> RuleVersion:
    return VERSIONS[number]
