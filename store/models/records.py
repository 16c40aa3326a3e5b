"""What is recorded besides issues: assessments as issued, inquiries answered without dispatch (回复咨询), saved
searches (办件查询), and the figure snapshots the rankings of standard periods are served from."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base


class AssessmentRecord(Base):
    """A quarter's assessment as issued (``store.assessments``): the body is the exact text its hash covers, and
    a row is never rewritten."""

    __tablename__ = "assessments"
    __table_args__ = (UniqueConstraint("period", "level", "district_id", "version", name="uq_assessments"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    period: Mapped[str] = mapped_column(String(10))
    level: Mapped[str] = mapped_column(String(20))
    district_id: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    issued_at: Mapped[datetime]
    content_hash: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    #: an amendment's author and reason (none for version 1)
    amended_by: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(Text)


class Inquiry(Base):
    """A question a grid, community or street answered without dispatch (回复咨询): counted apart from issues."""

    __tablename__ = "inquiries"
    __table_args__ = (Index("ix_inquiries_unit_at", "unit_id", "at"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    unit_id: Mapped[str] = mapped_column(String(200))
    principal_id: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime]
    channel: Mapped[str] = mapped_column(String(20))
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    matter_code: Mapped[str | None] = mapped_column(String(100))


class SavedFilter(Base):
    """A search of the issues a person saved by name (办件查询): the query string as the console's URL carries it."""

    __tablename__ = "saved_filters"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    principal_id: Mapped[str] = mapped_column(String(200), index=True)
    name: Mapped[str] = mapped_column(String(100))
    query: Mapped[str] = mapped_column(String(2000))
    created_at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("principal_id", "name", name="uq_saved_filters_name"),)


class FigureSnapshot(Base):
    """Every unit's figures of one level and kind for one standard period, as a Schedule last computed them
    (``store.figures.snapshots``): the rankings of this month, this quarter and the year are served from here."""

    __tablename__ = "figure_snapshots"
    __table_args__ = (UniqueConstraint("period", "level", "kind", name="uq_figure_snapshots"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    period: Mapped[str] = mapped_column(String(10))
    level: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))
    computed_at: Mapped[datetime]
    directory_version: Mapped[int] = mapped_column(Integer)
    #: the units' figures without their issue ids, as JSON (a list of ``UnitStats``)
    stats: Mapped[str] = mapped_column(Text)
