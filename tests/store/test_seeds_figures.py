"""The seeds' own figures, reproduced: data sets with the seeds' proportions (scaled down) are driven through the
real domain — report, verify, settle or whistle, rate — projected into the read model as the workflow projects
them, and the figures come out as the seeds print them, rounded as they round them.

- 现场整改率 (seeds/004): 95,198 of 95,714 patrol findings rectified on the spot, 99.46 % — here 184 of 185;
- 调解成功率 (seeds/002): 2,817 of 2,844 disputes mediated, 99 % — here 281 of 284;
- 群众满意率 over a territory (seeds/003): 98 % over 650 requests — here 64 of 65.

Beside them, what must not count: residents' reports of the same matters settled on the spot (not patrol
findings), patrol findings of matters no grid may settle on the spot, and a rejected finding (not a real problem).
"""

from __future__ import annotations

import itertools
from datetime import timedelta

from domain.projection import projection_batch
from store.db import make_engine, session_factory, transaction
from store.figures import Period, Scope, figures
from store.migrate import upgrade
from store.projection import project
from tests import sample_city
from tests.domain.harness import MONDAY_9AM, PureIssue
from tests.driver import report

STREET = "qh.hd.cy"
GRIDS = ["qh.hd.cy.c1.g1", "qh.hd.cy.c1.g2", "qh.hd.cy.c2.g1"]
ON_THE_SPOT, DISPUTE, NOT_ON_THE_SPOT = "property.stairwell_light", "property.service_fee", "heating.no_heat"
grids = itertools.cycle(GRIDS)


def _patrol(matter: str, n: int) -> PureIssue:
    grid = next(grids)
    return PureIssue(report(matter, source="grid_worker", grid=grid, principal=f"grid_worker@{grid}",
                            issue_id=f"seed-{matter.replace('.', '_')}-{n}"), now=MONDAY_9AM + timedelta(minutes=n))


def _resident(matter: str, n: int) -> PureIssue:
    grid = next(grids)
    return PureIssue(report(matter, grid=grid, principal=f"resident1@{grid}",
                            issue_id=f"seed-r-{matter.replace('.', '_')}-{n}"), now=MONDAY_9AM + timedelta(minutes=n))


def _settle(p: PureIssue) -> PureIssue:
    p.act("verify", "resolve_on_site", {"result": "fixed on the spot"})
    return p


def _whistle(p: PureIssue) -> PureIssue:
    p.act("verify", "whistle", {"kind": "daily", "note": "beyond the grid"})
    return p


def issues() -> list[PureIssue]:
    out = []
    out += [_settle(_patrol(ON_THE_SPOT, n)) for n in range(184)]  # rectified on the spot
    out += [_whistle(_patrol(ON_THE_SPOT, 184))]  # found on patrol, beyond the grid
    rejected = _patrol(ON_THE_SPOT, 185)
    rejected.act("verify", "reject", {"reason": "not a real problem"})
    out += [rejected]
    out += [_whistle(_patrol(NOT_ON_THE_SPOT, n)) for n in range(7)]  # no grid may settle it: not in the rate
    out += [_settle(_patrol(DISPUTE, n)) for n in range(281)]  # mediated (三级七天)
    out += [_whistle(_patrol(DISPUTE, n)) for n in range(281, 284)]
    for n in range(65):  # residents' requests settled on the spot and rated
        p = _settle(_resident(ON_THE_SPOT, n))
        p.act("evaluate", "rate", {"rating": "unsatisfied" if n == 0 else "satisfied"})
        out.append(p)
    return out


def test_the_seeds_figures_come_out_as_the_seeds_print_them(db_url: str) -> None:
    upgrade(db_url)
    sessions = session_factory(make_engine(db_url))
    with transaction(sessions) as session:
        for p in issues():
            project(session, projection_batch(p.state, 0))
    scope = Scope.of(sample_city.organisation(), sample_city.catalogue(), now=MONDAY_9AM + timedelta(days=1))
    with sessions() as session:
        street = figures(session, [STREET, *GRIDS], Period.month(2026, 11), scope)
    s = street[STREET]
    assert (s.rectification_rate.numerator, s.rectification_rate.denominator) == (184, 185)
    assert f"{100 * (s.rectification_rate.rate or 0):.2f} %" == "99.46 %"
    assert (s.mediation_rate.numerator, s.mediation_rate.denominator) == (281, 284)
    assert f"{100 * (s.mediation_rate.rate or 0):.0f} %" == "99 %"
    assert (s.territorial_satisfaction_rate.numerator, s.territorial_satisfaction_rate.denominator) == (64, 65)
    assert f"{100 * (s.territorial_satisfaction_rate.rate or 0):.0f} %" == "98 %"
    # the street's territory is the sum of its grids'
    for name in ("rectification_rate", "mediation_rate", "territorial_satisfaction_rate", "territory_received"):
        parts = [getattr(street[g], name) for g in GRIDS]
        assert sum(f.numerator for f in parts) == getattr(s, name).numerator, name
        assert sorted(i for f in parts for i in f.issue_ids) == getattr(s, name).issue_ids, name
    assert s.territory_received.numerator == 185 + 1 + 7 + 284 + 65
