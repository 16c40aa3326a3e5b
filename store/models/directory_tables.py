"""The deployment's directory and what surrounds it, written by operators and administrators (``whistle seed``,
``grids load``, ``calendar load``, ``/v1/admin``): units, people, matters and the rules; the directory's versions
and their changes; the grids' shapes; the working calendar."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Integer, String, Text, true
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base


class Unit(Base):
    __tablename__ = "units"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("units.id"), index=True)
    function: Mapped[str | None] = mapped_column(String(50))
    order_no: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    successor_id: Mapped[str | None] = mapped_column(String(200))


class Principal(Base):
    __tablename__ = "principals"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    unit_id: Mapped[str] = mapped_column(ForeignKey("units.id"), index=True)
    roles: Mapped[str] = mapped_column(String(200))  # comma-separated role names
    subject: Mapped[str | None] = mapped_column(String(200), unique=True)  # the single sign-on's claim value
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class Matter(Base):
    __tablename__ = "matters"

    code: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(50), index=True)
    category_name: Mapped[str] = mapped_column(String(100))
    departments: Mapped[str] = mapped_column(String(500))  # comma-separated function codes
    list_type: Mapped[str] = mapped_column(String(20))
    report_hours: Mapped[float] = mapped_column(Float)
    handling_immediate: Mapped[int] = mapped_column(Integer)
    handling_phased: Mapped[int] = mapped_column(Integer)
    handling_understanding: Mapped[int] = mapped_column(Integer)
    on_the_spot: Mapped[bool] = mapped_column(Boolean)
    mediation: Mapped[bool] = mapped_column(Boolean)


class DirectoryRules(Base):
    """The deadline rules in force (one row)."""

    __tablename__ = "directory_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rules: Mapped[dict[str, Any]] = mapped_column(JSON)


class DirectoryVersion(Base):
    """One change of the directory: who, when, why, from what."""

    __tablename__ = "directory_versions"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    author: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(200))  # "workbook qinghe.xlsx", "admin", …
    counts: Mapped[dict[str, Any]] = mapped_column(JSON)  # added / changed / removed per kind


class DirectoryChange(Base):
    """One record of a version, before and after (None: added, or removed)."""

    __tablename__ = "directory_changes"

    version: Mapped[int] = mapped_column(ForeignKey("directory_versions.version"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(200), index=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class CalendarOverride(Base):
    """A deployment's correction of the official calendar (a local holiday, a late-published year)."""

    __tablename__ = "calendar_overrides"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(String(200))


class GridShape(Base):
    """A grid's polygon (GeoJSON geometry, WGS 84 longitude/latitude), for the map and to find a point's grid."""

    __tablename__ = "grid_shapes"

    grid_id: Mapped[str] = mapped_column(String(200), ForeignKey("units.id"), primary_key=True)
    geometry: Mapped[dict[str, Any]] = mapped_column(JSON)
    area_m2: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[datetime]


class CalendarYear(Base):
    """A year's official arrangement (holidays and adjusted working days), loaded by ``whistle calendar load``."""

    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    holidays: Mapped[list[str]] = mapped_column(JSON)
    workdays: Mapped[list[str]] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(300))
    loaded_at: Mapped[datetime]
