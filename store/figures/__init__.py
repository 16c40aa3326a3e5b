"""The figures (考核指标) per unit and period, as the seeds define them: each figure is defined once, in the module
that counts it, and every figure keeps the issue ids it was computed from, so a supervisor can drill down from a
number to the issues behind it.

Where each figure is defined:

- ``task_counts`` — received, summoned, response rate, on-time handling rate, dispatch on-time rate, hours held;
- ``led``      — resolution rate, list shares;
- ``ratings``  — satisfaction rate, whistler's satisfaction rate, territorial satisfaction rate;
- ``events``   — yellow and red warnings, escalations, urges, returns for rework, supervisions;
- ``onsite``   — on-site rate, mediation success rate, on-the-spot rectification rate of patrol findings;
- ``volumes``  — a territory's received, closed, still open, overdue, and inquiries answered;
- ``ranking``  — the score and the ranking; ``period`` — months, quarters and years; ``counting`` — how;
- ``snapshots`` — the standard periods' figures, kept by a Schedule for the rankings.
"""

from store.figures.counting import Figure
from store.figures.period import YEARS, Period
from store.figures.ranking import HUB, SCORE_RATES, SUMMONED, RankRow, ScoreRule, rank, ranking, score_of
from store.figures.scope import NoAnswerPolicy, Scope
from store.figures.unit import UnitStats, figures, unit_stats

__all__ = ["HUB", "SCORE_RATES", "SUMMONED", "YEARS", "Figure", "NoAnswerPolicy", "Period", "RankRow", "Scope",
           "ScoreRule", "UnitStats", "figures", "rank", "ranking", "score_of", "unit_stats"]
