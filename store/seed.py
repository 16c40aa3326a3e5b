"""Loading the sample organisation and catalogue into the read model, idempotently (``whistle seed``)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.catalogue import Catalogue
from domain.organisation import Organisation
from store import models
from store.grids import seed_sample_shapes


def seed(session: Session, org: Organisation, catalogue: Catalogue) -> dict[str, int]:
    """Insert or update every unit, principal and matter; returns how many of each are present."""
    # parents before children, so the foreign key holds on PostgreSQL within one flush
    for unit in sorted(org.units.values(), key=lambda u: -u.level.rank if u.kind.value == "territorial" else 0):
        session.merge(models.Unit(id=unit.id, name=unit.name, name_en=unit.name_en, level=unit.level.value,
                                  kind=unit.kind.value, parent_id=unit.parent_id, function=unit.function))
        session.flush()
    for p in org.principals.values():
        session.merge(models.Principal(id=p.id, name=p.name, unit_id=p.unit_id,
                                       roles=",".join(r.value for r in p.roles)))
    for m in catalogue.matters.values():
        session.merge(models.Matter(
            code=m.code, name=m.name, name_en=m.name_en, category=m.category, category_name=m.category_name,
            departments=",".join(m.departments), list_type=m.list_type.value, report_hours=m.report_hours,
            handling_immediate=m.handling_days.immediate, handling_phased=m.handling_days.phased,
            handling_understanding=m.handling_days.understanding, on_the_spot=m.on_the_spot, mediation=m.mediation))
    session.flush()
    shapes = seed_sample_shapes(session, org)
    return {"units": len(org.units), "principals": len(org.principals), "matters": len(catalogue.matters),
            "grid_shapes": shapes}


def load_calendar_overrides(session: Session) -> dict[date, bool]:
    """The deployment's corrections of the official calendar, for :class:`activities.WorkingCalendar`."""
    return {row.day: row.is_workday for row in session.scalars(select(models.CalendarOverride))}
