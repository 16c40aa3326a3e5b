"""The ranking score (排名得分): the mean, ×100, of the rates a unit is scored on.

- A department (and a territorial unit scored on its summonses) is scored on the five rates of a summoned unit:
  response, on-time handling, resolution, satisfaction and the whistler's satisfaction. A unit missing one of them
  is shown with what it misses and ranked after every unit that has them all.
- A territorial unit (a street, a community, a grid) is scored as the hub of its territory: its dispatching on
  time, its territory's on-site rate and its territory's satisfaction are required; its mediation rate and the five
  rates of a summoned unit count whenever it has them (a street not summoned that quarter is still scored).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from store.figures.period import Period
from store.figures.scope import NoAnswerPolicy, Scope
from store.figures.unit import UnitStats, figures

#: the rates of a summoned unit, equally weighted
SCORE_RATES = ("response_rate", "on_time_handling_rate", "resolution_rate", "satisfaction_rate",
               "whistler_satisfaction_rate")
HUB_RATES = ("dispatch_on_time_rate", "onsite_rate", "territorial_satisfaction_rate")


@dataclass(frozen=True)
class ScoreRule:
    """The rates a score needs (missing one, a unit ranks after those that have them all), and those it counts
    when the unit has them."""

    required: tuple[str, ...]
    optional: tuple[str, ...] = ()

    @property
    def rates(self) -> list[str]:
        return [*self.required, *self.optional]


SUMMONED = ScoreRule(required=SCORE_RATES)
HUB = ScoreRule(required=HUB_RATES, optional=("mediation_rate", *SCORE_RATES))


class RankRow(BaseModel):
    rank: int
    unit_id: str
    score: float | None = Field(description="the mean of the score's rates ×100, over those the unit has")
    complete: bool = Field(description="the unit has every rate the score requires; incomplete units rank after")
    missing: list[str] = Field(description="the score's required rates the unit has no value for")
    stats: UnitStats


def score_of(stats: UnitStats, rule: ScoreRule = SUMMONED) -> tuple[float | None, list[str]]:
    rates = {name: getattr(stats, name).rate for name in rule.rates}
    present = [r for r in rates.values() if r is not None]
    missing = [name for name in rule.required if rates[name] is None]
    return (round(100 * sum(present) / len(present), 2) if present else None), missing


def rank(stats: Iterable[UnitStats], rule: ScoreRule = SUMMONED) -> list[RankRow]:
    """Complete units by score, best first; then the incomplete ones by what they have; ties by unit id."""
    scored = []
    for s in stats:
        score, missing = score_of(s, rule)
        scored.append((bool(missing), score is None, -(score or 0.0), s.unit_id, score, missing, s))
    scored.sort(key=lambda x: x[:4])
    return [RankRow(rank=n, unit_id=x[3], score=x[4], complete=not x[5], missing=x[5], stats=x[6])
            for n, x in enumerate(scored, start=1)]


def ranking(session: Session, unit_ids: Sequence[str], period: Period, no_answer: NoAnswerPolicy = "exclude",
            scope: Scope | None = None, with_ids: bool = True, rule: ScoreRule = SUMMONED) -> list[RankRow]:
    scope = scope or Scope(no_answer=no_answer)
    return rank(figures(session, unit_ids, period, scope, with_ids).values(), rule)
