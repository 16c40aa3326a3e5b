"""The deadline rules a district sets (规则): how late is red, how often a result may be returned, how long a
resident has to rate, what an emergency does to the clock, the mediation ladder's windows.

They are directory data (sheet 规则): an issue takes the rules in force when it was reported and keeps them
to the end, so a change applies to new issues only and a running issue's deadlines never move under it. An
issue that recorded no rules (reported before they were data) has :data:`DEFAULT_RULES`, the values that were
constants until then.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


class MediationDays(BaseModel):
    """三级七天: the calendar days a dispute stays at each level of the mediation ladder."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    grid: int = Field(default=1, ge=1, le=30)
    community: int = Field(default=2, ge=1, le=30)
    street: int = Field(default=4, ge=1, le=30)


class Rules(BaseModel):
    """One district's rules. Every field has the value Whistle used before rules were data."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    #: a late handling task turns red, and a supervision notice goes to the level above, this many working days
    #: after its due time
    red_after_working_days: int = Field(default=2, ge=1, le=30)
    #: the whistler may return a result this many times; one more escalates
    max_reworks: int = Field(default=2, ge=0, le=10)
    #: the resident's (and the whistler's) window to rate, in working days
    evaluation_working_days: int = Field(default=5, ge=1, le=30)
    #: an emergency whistle multiplies every later deadline by this
    emergency_factor: float = Field(default=0.25, gt=0, le=1)
    #: an emergency whistle's summoned units check in within this many hours
    emergency_check_in_hours: float = Field(default=0.5, gt=0, le=24)
    #: the two reminders of a handling task, as fractions of its time (50 % and 80 %)
    reminders: tuple[float, float] = (0.5, 0.8)
    mediation_days: MediationDays = MediationDays()
    #: a period's assessment is issued this many working days after it ends, at 01:00 on the day after: when the
    #: last evaluation window of its issues can have closed
    assessment_after_working_days: int = Field(default=5, ge=0, le=30)

    @model_validator(mode="after")
    def _reminders_within(self) -> Rules:
        first, second = self.reminders
        if not 0 < first < second < 1:
            raise ValueError("the two reminders are fractions between 0 and 1, the first smaller (0.5, 0.8)")
        return self


DEFAULT_RULES = Rules()
