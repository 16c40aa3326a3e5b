"""Writing a :class:`~domain.projection.ProjectionBatch` into the read model, idempotently.

- timeline events and ratings are inserted only if their key (issue, seq / ordinal) is absent;
- the issue row and task rows are overwritten only by a batch at least as new as what they hold.

So a retried activity, a replayed workflow, or an old batch arriving after a newer one changes nothing
that it should not; one call is one transaction.

One exception: a local projection may have written the events of a workflow task that was then lost (its
worker died before the task completed) and executed again later, with another clock. The batch's ``epoch``
says which execution cut it; rows of a lower epoch are replaced by those of a higher one, and rows past the
end of a higher-epoch batch that a lower epoch wrote (events the lost execution made and the kept one did
not) are removed. Their notifications were sent once and stay.

This runs for every batch of every issue, so it is written in set-based statements: it reads only the keys
and versions of the rows the batch touches (never the issue's whole timeline), inserts new rows in one
statement per table, and keeps the ORM for the notifications alone (their ids feed the webhook outbox).
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, delete, insert, select, update
from sqlalchemy.orm import Session

from domain.notices import notices_for
from domain.organisation import Level
from domain.projection import ProjectionBatch
from store import models
from store.webhooks import enqueue

ISSUES = cast(Table, models.Issue.__table__)
TASKS = cast(Table, models.Task.__table__)
EVENTS = cast(Table, models.TimelineEvent.__table__)
RATINGS = cast(Table, models.Rating.__table__)


def _newer(last_seq: int, epoch: int, held_seq: int, held_epoch: int) -> bool:
    """Whether a batch (last_seq, epoch) may overwrite a row it finds holding (held_seq, held_epoch)."""
    return (last_seq, epoch) >= (held_seq, held_epoch) or epoch > held_epoch


def project(session: Session, batch: ProjectionBatch) -> int:
    """Apply a batch; returns how many new timeline events were written."""
    snap, epoch, last_seq = batch.issue, batch.epoch, batch.last_seq
    issue_id = snap.issue_id
    fields: dict[str, Any] = dict(
        title=snap.title, matter_code=snap.matter_code, category=snap.category, source=snap.source,
        urgent=snap.urgent, grid_id=snap.ladder[Level.grid], community_id=snap.ladder[Level.community],
        street_id=snap.ladder[Level.street], district_id=snap.ladder[Level.district],
        city_id=snap.ladder[Level.city], reporter_principal_id=snap.reporter_principal_id,
        submitted_by=snap.submitted_by, step=snap.step,
        status=snap.status, level=snap.level, lead_unit_id=snap.lead_unit_id, co_unit_ids=",".join(snap.co_unit_ids),
        list_type=snap.list_type, whistle_kind=snap.whistle_kind, resolution=snap.resolution, outcome=snap.outcome,
        due_at=snap.due_at, overdue=snap.overdue, reworks=snap.reworks, urges=snap.urges,
        created_at=snap.created_at, closed_at=snap.closed_at, last_seq=last_seq, epoch=epoch,
    )
    held = session.execute(select(ISSUES.c.last_seq, ISSUES.c.epoch).where(ISSUES.c.id == issue_id)).first()
    if held is not None and epoch < held.epoch:
        return 0  # cut before a batch already written: what it carries is there, or was replaced by a later run
    if held is None:
        session.execute(insert(ISSUES).values(id=issue_id, **fields))
    elif _newer(last_seq, epoch, held.last_seq, held.epoch):
        session.execute(update(ISSUES).where(ISSUES.c.id == issue_id).values(**fields))

    _tasks(session, batch)
    written = _events(session, batch)
    _ratings(session, batch)
    return written


def _tasks(session: Session, batch: ProjectionBatch) -> None:
    if not batch.tasks:
        return
    issue_id, epoch, last_seq = batch.issue.issue_id, batch.epoch, batch.last_seq
    held = {r.id: r for r in session.execute(select(TASKS.c.id, TASKS.c.version_seq, TASKS.c.epoch).where(
        TASKS.c.issue_id == issue_id, TASKS.c.id.in_([t.task_id for t in batch.tasks])))}
    new: list[dict[str, Any]] = []
    for t in batch.tasks:
        values = dict(issue_id=issue_id, kind=t.kind.value, step=t.step, unit_id=t.unit_id,
                      roles=",".join(r.value for r in t.roles), principal_id=t.principal_id, claimed_by=t.claimed_by,
                      opened_at=t.opened_at, due_at=t.due_at, closed_at=t.closed_at, status=t.status,
                      outcome=t.outcome, closed_by=t.closed_by, late=t.late, provisional=t.provisional,
                      version_seq=last_seq, epoch=epoch)
        row = held.get(t.task_id)
        if row is None:
            new.append({"id": t.task_id, **values})
        elif _newer(last_seq, epoch, row.version_seq, row.epoch):
            session.execute(update(TASKS).where(TASKS.c.id == t.task_id).values(**values))
    if new:
        session.execute(insert(TASKS), new)


def _events(session: Session, batch: ProjectionBatch) -> int:
    issue_id, epoch, last_seq = batch.issue.issue_id, batch.epoch, batch.last_seq
    # a lost execution's events beyond what the kept one has made so far
    session.execute(delete(EVENTS).where(EVENTS.c.issue_id == issue_id, EVENTS.c.seq > last_seq,
                                         EVENTS.c.epoch < epoch))
    if not batch.events:
        return 0
    seqs = [e.seq for e in batch.events]
    held = dict(session.execute(select(EVENTS.c.seq, EVENTS.c.epoch).where(
        EVENTS.c.issue_id == issue_id, EVENTS.c.seq.in_(seqs))).all())
    roles = {t.task_id: t.roles for t in batch.tasks}
    reporters = [batch.issue.reporter_principal_id] if batch.issue.reporter_principal_id else []
    if batch.issue.submitted_by and batch.issue.source in ("hotline", "open311"):
        reporters.append(batch.issue.submitted_by)  # the integration that filed it tells the resident (an SMS)
    new: list[dict[str, Any]] = []
    notices: list[models.Notification] = []
    for e in batch.events:
        values = dict(at=e.at, step=e.step.value, kind=e.kind, actor_id=e.actor_id, unit_id=e.unit_id,
                      task_id=e.task_id, data=e.model_dump(mode="json")["data"], epoch=epoch)
        held_epoch = held.get(e.seq)
        if held_epoch is not None:
            if epoch > held_epoch:  # the execution the history keeps replaces a lost one's
                session.execute(update(EVENTS).where(EVENTS.c.issue_id == issue_id, EVENTS.c.seq == e.seq)
                                .values(**values))
            continue
        new.append({"issue_id": issue_id, "seq": e.seq, **values})
        # the outbox: written with the event, in the same transaction, so exactly once
        for notice in notices_for(e, roles, reporters):
            notices.append(models.Notification(issue_id=issue_id, seq=e.seq, audience=notice.audience,
                                               kind=notice.kind.value, text=notice.text[:2000], created_at=e.at))
    if new:
        session.execute(insert(EVENTS), new)
    if notices:
        session.add_all(notices)
        session.flush()  # their ids, for the webhook deliveries written in the same transaction
        for n in notices:
            enqueue(session, n)
    return len(new)


def _ratings(session: Session, batch: ProjectionBatch) -> None:
    issue_id, epoch = batch.issue.issue_id, batch.epoch
    session.execute(delete(RATINGS).where(RATINGS.c.issue_id == issue_id, RATINGS.c.ordinal > len(batch.ratings),
                                          RATINGS.c.epoch < epoch))
    if not batch.ratings:
        return
    held = dict(session.execute(select(RATINGS.c.ordinal, RATINGS.c.epoch).where(
        RATINGS.c.issue_id == issue_id)).all())
    new: list[dict[str, Any]] = []
    for r in batch.ratings:
        rec = r.rating
        values = dict(at=rec.at, principal_id=rec.principal_id, unit_id=rec.unit_id, as_role=rec.as_role,
                      rating=rec.rating.value if rec.rating else None, comment=rec.comment, round=rec.round,
                      for_unit_id=rec.for_unit_id, epoch=epoch)
        held_epoch = held.get(r.ordinal)
        if held_epoch is None:
            new.append({"issue_id": issue_id, "ordinal": r.ordinal, **values})
        elif epoch > held_epoch:
            session.execute(update(RATINGS).where(RATINGS.c.issue_id == issue_id, RATINGS.c.ordinal == r.ordinal)
                            .values(**values))
    if new:
        session.execute(insert(RATINGS), new)
