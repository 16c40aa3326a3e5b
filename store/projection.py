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
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.notices import notices_for
from domain.organisation import Level
from domain.projection import ProjectionBatch
from store import models
from store.webhooks import enqueue


def project(session: Session, batch: ProjectionBatch) -> int:
    """Apply a batch; returns how many new timeline events were written."""
    snap = batch.issue
    row = session.get(models.Issue, snap.issue_id)
    fields = dict(
        title=snap.title, matter_code=snap.matter_code, category=snap.category, source=snap.source,
        urgent=snap.urgent, grid_id=snap.ladder[Level.grid], community_id=snap.ladder[Level.community],
        street_id=snap.ladder[Level.street], district_id=snap.ladder[Level.district],
        city_id=snap.ladder[Level.city], reporter_principal_id=snap.reporter_principal_id,
        submitted_by=snap.submitted_by, step=snap.step,
        status=snap.status, level=snap.level, lead_unit_id=snap.lead_unit_id, co_unit_ids=",".join(snap.co_unit_ids),
        list_type=snap.list_type, whistle_kind=snap.whistle_kind, resolution=snap.resolution, outcome=snap.outcome,
        due_at=snap.due_at, overdue=snap.overdue, reworks=snap.reworks, urges=snap.urges,
        created_at=snap.created_at, closed_at=snap.closed_at, last_seq=batch.last_seq,
    )
    fields["epoch"] = batch.epoch
    if row is not None and batch.epoch < row.epoch:
        return 0  # cut before a batch already written: what it carries is there, or was replaced by a later run
    if row is None:
        session.add(models.Issue(id=snap.issue_id, **fields))
        session.flush()
    elif (batch.last_seq, batch.epoch) >= (row.last_seq, row.epoch) or batch.epoch > row.epoch:
        for key, value in fields.items():
            setattr(row, key, value)

    rows = session.scalars(select(models.Task).where(models.Task.issue_id == snap.issue_id))
    existing_tasks = {t.id: t for t in rows}
    for t in batch.tasks:
        values = dict(issue_id=snap.issue_id, kind=t.kind.value, step=t.step, unit_id=t.unit_id,
                      roles=",".join(r.value for r in t.roles), principal_id=t.principal_id, claimed_by=t.claimed_by,
                      opened_at=t.opened_at, due_at=t.due_at, closed_at=t.closed_at, status=t.status,
                      outcome=t.outcome, closed_by=t.closed_by, late=t.late, provisional=t.provisional,
                      version_seq=batch.last_seq, epoch=batch.epoch)
        current = existing_tasks.get(t.task_id)
        if current is None:
            session.add(models.Task(id=t.task_id, **values))
        elif (batch.last_seq, batch.epoch) >= (current.version_seq, current.epoch) or batch.epoch > current.epoch:
            for key, value in values.items():
                setattr(current, key, value)

    E = models.TimelineEvent
    have = {e.seq: e for e in session.scalars(select(E).where(E.issue_id == snap.issue_id))}
    for seq, stale in have.items():  # a lost execution's events beyond what the kept one has made so far
        if seq > batch.last_seq and stale.epoch < batch.epoch:
            session.delete(stale)
    roles = {t.task_id: t.roles for t in batch.tasks}
    reporters = [snap.reporter_principal_id] if snap.reporter_principal_id else []
    if snap.submitted_by and snap.source in ("hotline", "open311"):
        reporters.append(snap.submitted_by)  # the integration that filed it tells the resident (an SMS)
    notices: list[models.Notification] = []
    written = 0
    for e in batch.events:
        values = dict(at=e.at, step=e.step.value, kind=e.kind, actor_id=e.actor_id, unit_id=e.unit_id,
                      task_id=e.task_id, data=e.model_dump(mode="json")["data"], epoch=batch.epoch)
        old = have.get(e.seq)
        if old is not None:
            if batch.epoch > old.epoch:  # the execution the history keeps replaces a lost one's
                for key, value in values.items():
                    setattr(old, key, value)
            continue
        session.add(models.TimelineEvent(issue_id=snap.issue_id, seq=e.seq, **values))
        # the outbox: written with the event, in the same transaction, so exactly once
        for notice in notices_for(e, roles, reporters):
            notices.append(models.Notification(issue_id=snap.issue_id, seq=e.seq, audience=notice.audience,
                                               kind=notice.kind.value, text=notice.text[:2000], created_at=e.at))
        written += 1
    if notices:
        session.add_all(notices)
        session.flush()  # their ids, for the webhook deliveries written in the same transaction
        for n in notices:
            enqueue(session, n)

    R = models.Rating
    rated = {r.ordinal: r for r in session.scalars(select(R).where(R.issue_id == snap.issue_id))}
    for r in batch.ratings:
        rec = r.rating
        values = dict(at=rec.at, principal_id=rec.principal_id, unit_id=rec.unit_id, as_role=rec.as_role,
                      rating=rec.rating.value if rec.rating else None, comment=rec.comment, round=rec.round,
                      epoch=batch.epoch)
        old_rating = rated.get(r.ordinal)
        if old_rating is None:
            session.add(models.Rating(issue_id=snap.issue_id, ordinal=r.ordinal, **values))
        elif batch.epoch > old_rating.epoch:
            for key, value in values.items():
                setattr(old_rating, key, value)
    for ordinal, old_rating in rated.items():
        if ordinal > len(batch.ratings) and old_rating.epoch < batch.epoch:
            session.delete(old_rating)
    return written
