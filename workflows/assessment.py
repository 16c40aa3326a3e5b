"""``QuarterlyAssessment``: issue a quarter's assessment. A Temporal Schedule starts it after each quarter ends
(the quarter before its fire time); an operator starts it on demand with the quarter. It waits, on a durable
timer, until the quarter's evidence is in — the last evaluation window can have closed — and after the fourth
quarter issues the year as well. Issuing twice changes nothing: the activity keeps what was issued first."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeKey

with workflow.unsafe.imports_passed_through():
    from activities.assessment_issuing import AssessmentActivities, Issued, IssueQuarter

SCHEDULE_ID = "whistle-quarterly-assessment"
#: 01:00 on the first day of each quarter, in the deployment's time zone; the run then waits for the evidence
SCHEDULE_CRON = "0 1 1 1,4,7,10 *"
SCHEDULED_AT = SearchAttributeKey.for_datetime("TemporalScheduledStartTime")
#: runs started before this wait for nothing and issue the quarter alone
WAITS_FOR_EVIDENCE = "assessment-waits-for-evidence"
#: how many times a run waits for evidence that keeps moving later before it issues what it has
MAX_WAITS = 10
RETRY = RetryPolicy(maximum_interval=timedelta(minutes=5), non_retryable_error_types=["ValueError"])


@workflow.defn(name="QuarterlyAssessment")
class QuarterlyAssessment:
    @workflow.run
    async def run(self, req: IssueQuarter) -> list[Issued]:
        if req.period is None and req.at is None:
            fired = workflow.info().typed_search_attributes.get(SCHEDULED_AT)
            req = IssueQuarter(at=fired or workflow.now(), districts=req.districts)
        if not workflow.patched(WAITS_FOR_EVIDENCE):
            return await workflow.execute_activity_method(
                AssessmentActivities.issue_quarter, req, start_to_close_timeout=timedelta(minutes=10),
                retry_policy=RETRY)
        plan = await workflow.execute_activity_method(
            AssessmentActivities.plan, req, start_to_close_timeout=timedelta(minutes=1), retry_policy=RETRY)
        # a scheduled run waits for the evidence; asked again after each wait, since a holiday published or a
        # rule changed meanwhile can move it later (a run started on demand was checked by the API)
        for _ in range(MAX_WAITS if req.period is None else 0):
            wait = plan.due - workflow.now()
            if wait <= timedelta(0):
                break
            await workflow.sleep(wait, summary=f"until the evidence is in ({plan.due.isoformat()})")
            plan = await workflow.execute_activity_method(
                AssessmentActivities.plan, req, start_to_close_timeout=timedelta(minutes=1), retry_policy=RETRY)
        out: list[Issued] = []
        for period in plan.periods:
            out += await workflow.execute_activity_method(
                AssessmentActivities.issue_quarter,
                IssueQuarter(period=period, districts=req.districts, now=workflow.now()),
                start_to_close_timeout=timedelta(minutes=10), retry_policy=RETRY)
        return out
