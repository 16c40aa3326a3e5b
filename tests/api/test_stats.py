"""``/v1/stats/ranking`` (``api/routes/stats.py``): the standard periods are answered from the figure snapshot while
it is fresh, saying when it was computed (and the figures are those of that moment: eventual, not current); a custom
range, or a period without a fresh snapshot, is computed live; a year ranks the year so far."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from sqlalchemy import delete

from api.deps import Services
from store import models
from store.db import transaction
from store.figures import snapshots
from tests.api.client import HEATING, Api, walk_to_closed, walk_to_handling

SUPERVISOR = "supervisor@qh.hd"
DEPARTMENTS = {"level": "district", "kind": "department"}


def _received(rows: list[dict], unit: str) -> int:
    return int(next(r["stats"]["received"]["numerator"] for r in rows if r["unit_id"] == unit))


async def test_the_standard_periods_are_ranked_from_the_snapshot_and_say_when(api: Api,
                                                                              api_services: Services) -> None:
    services = api_services
    w = await walk_to_handling(api)
    await walk_to_closed(w)
    await api.settled(w.issue_id)
    month = f"{datetime.now(services.settings.tz):%Y-%m}"
    live = await api.get("/v1/stats/ranking", SUPERVISOR, params={**DEPARTMENTS, "month": month})
    assert live.status_code == 200
    asked = datetime.now(UTC)
    assert abs(datetime.fromisoformat(live.headers["X-Figures-Computed-At"]) - asked) < timedelta(seconds=30)
    taken = datetime.now(UTC) - timedelta(seconds=30)
    loaded = services.directory.get()
    with transaction(services.sessions) as session:
        snapshots.refresh(session, loaded.organisation, services.figures_scope(),
                          snapshots.standard_periods(taken, services.settings.tz), taken, loaded.version)
    try:
        served = await api.get("/v1/stats/ranking", SUPERVISOR, params={**DEPARTMENTS, "month": month})
        assert datetime.fromisoformat(served.headers["X-Figures-Computed-At"]) == taken
        assert parsedate_to_datetime(served.headers["Last-Modified"]) == taken.replace(microsecond=0)
        assert served.json() == live.json()  # the same figures as the live ranking of that moment
        # a new issue is in the live figures at once, and in the snapshot's at its next refresh
        w2 = await walk_to_handling(api)
        await api.settled(w2.issue_id)
        again = await api.get("/v1/stats/ranking", SUPERVISOR, params={**DEPARTMENTS, "month": month})
        assert again.json() == served.json()
        start = datetime.now(services.settings.tz).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        custom = await api.get("/v1/stats/ranking", SUPERVISOR, params={
            **DEPARTMENTS, "from": start.isoformat(), "to": (start + timedelta(days=32)).replace(day=1).isoformat()})
        assert _received(custom.json(), HEATING) == _received(served.json(), HEATING) + 1
        assert datetime.fromisoformat(custom.headers["X-Figures-Computed-At"]) > taken
        year = await api.get("/v1/stats/ranking", SUPERVISOR, params={**DEPARTMENTS, "year": month[:4]})
        assert year.status_code == 200 and datetime.fromisoformat(year.headers["X-Figures-Computed-At"]) == taken
        csv = await api.get("/v1/stats/ranking", SUPERVISOR, params={**DEPARTMENTS, "quarter": _quarter(month)},
                            headers={"Accept": "text/csv"})
        assert csv.status_code == 200 and csv.headers["X-Figures-Computed-At"] == taken.isoformat()
        both = await api.get("/v1/stats/ranking", SUPERVISOR, params={**DEPARTMENTS, "year": month[:4],
                                                                      "month": month})
        assert both.status_code == 422
    finally:
        with transaction(services.sessions) as session:  # the other tests rank live
            session.execute(delete(models.FigureSnapshot))


def _quarter(month: str) -> str:
    return f"{month[:4]}-Q{(int(month[5:]) - 1) // 3 + 1}"
