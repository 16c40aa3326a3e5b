"""``whistle demo``: a district's month played through the API on the running stack.

A few hundred issues are reported over a simulated month; every open task is answered by the principal
it names, after a delay that is a share of the time left before it is due. Most units answer in time,
two departments are slow (warnings and escalations follow), a few units decline, handlers ask for
extensions, verifiers return work, some residents are unsatisfied, and some disputes are left to climb
the mediation ladder. With ``WHISTLE_TIME_SCALE`` set on the stack and here, a working day passes in
seconds. It ends with the three rates per street.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from api.auth import TokenService
from core.settings import Settings
from domain.organisation import Level, Role, UnitKind
from whistle.cli_directory import directory_in_force

DISTRICT = "qh.hd"
MONTH_DAYS = 30
MAX_ACTIONS = 60  # per issue: a bound on every loop


@dataclass
class Tally:
    actions: int = 0
    refused: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    outcomes: dict[str, int] = field(default_factory=dict)


class Demo:
    def __init__(self, settings: Settings, http: httpx.AsyncClient, rng: random.Random, deadline: float) -> None:
        self.settings = settings
        self.http = http
        self.rng = rng
        self.deadline = deadline
        loaded = directory_in_force(settings)
        self.org, self.catalogue = loaded.organisation, loaded.catalogue
        self.tokens = TokenService(settings)
        self._auth: dict[str, dict[str, str]] = {}
        depts = sorted(u.id for u in self.org.departments(DISTRICT))
        self.slow = set(rng.sample(depts, 2))
        self.tally = Tally()
        self.extended: set[str] = set()  # handle tasks whose unit already asked for more time

    def auth(self, principal_id: str) -> dict[str, str]:
        if principal_id not in self._auth:
            self._auth[principal_id] = {"Authorization": f"Bearer {self.tokens.issue(principal_id)}"}
        return self._auth[principal_id]

    def principal_for(self, task: dict[str, Any]) -> str | None:
        if task["principal_id"]:
            return str(task["principal_id"])
        roles = {Role(r) for r in task["roles"]}
        for p in self.org.principals.values():
            if p.unit_id == task["unit_id"] and roles & set(p.roles):
                return p.id
        return None

    def delay(self, task: dict[str, Any]) -> float:
        """Seconds until the task is answered: a share of the time left, beyond it for slow units."""
        if not task["due_at"]:
            return 0.2
        left = (datetime.fromisoformat(task["due_at"]) - datetime.now(UTC)).total_seconds()
        share = self.rng.uniform(1.1, 1.8) if task["unit_id"] in self.slow and self.rng.random() < 0.6 \
            else self.rng.uniform(0.05, 0.6)
        return max(0.01, min(left * share, 3 * 86400 / self.settings.time_scale))

    def choose(self, view: dict[str, Any], task: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
        """The action a person would take on this task (None: let it wait past its due time)."""
        r = self.rng.random()
        kind, data = task["kind"], task["data"]
        matter = self.catalogue.matters[view["matter_code"]]
        if kind == "verify":
            if data.get("mediation"):
                return None if r < 0.45 else ("resolve_on_site", {"result": "双方达成调解协议"})
            if matter.on_the_spot and r < 0.3:
                return "resolve_on_site", {"result": "网格员现场处理完毕"}
            if r > 0.97:
                return "reject", {"reason": "不属于公共事务"}
            k = self.rng.random()
            kind_of = "emergency" if k > 0.98 else "hard_case" if k > 0.92 else "daily"
            return "whistle", {"kind": kind_of, "note": "需要职能部门报到"}
        if kind == "approve_whistle":
            return ("send_back", {"reason": "请先核实"}) if r < 0.04 else ("approve", {})
        if kind == "dispatch":
            units = list(data.get("suggested_unit_ids") or [])[:2]
            if task["unit_id"] not in units and (not units or r < 0.6):
                units.append(task["unit_id"])  # 镇街吹哨、部门报到: the street coordinates its own offices too
            return "route", {"unit_ids": units, "note": "请报到"}
        if kind == "report":
            return ("decline", {"reason": "不属于本单位职责"}) if r < 0.06 else ("check_in", {})
        if kind == "consult":
            units = list(data["units"])
            lead = self.rng.choice(units)
            return "conclude", {"lead_unit_id": lead, "co_unit_ids": [u for u in units if u != lead],
                                "list_type": "phased" if r < 0.2 else "immediate", "minutes": "会商确定牵头单位"}
        if kind in ("approve_understanding", "approve_extension"):
            return ("deny", {"reason": "理由不充分"}) if r < 0.2 else ("approve", {})
        if kind == "handle":
            if r < 0.08 and task["task_id"] not in self.extended:
                self.extended.add(task["task_id"])
                return "request_extension", {"days": 3, "reason": "需要采购配件"}
            return "complete", {"result": "已办结"}
        if kind == "assist":
            return "complete", {"result": "已配合"}
        if kind == "verify_result":
            return ("return_for_rework", {"reason": "现场仍未解决"}) if r < 0.1 else ("accept", {})
        if kind == "evaluate":
            rating = "unsatisfied" if r < 0.1 else "basically_satisfied" if r < 0.25 else "satisfied"
            return "rate", {"rating": rating}
        if kind == "review":
            return ("reopen", {"handling_days": 3, "reason": "复核后重新办理"}) if r < 0.3 else \
                ("close", {"explanation": "已充分解释"})
        return None

    async def issue(self, start_in: float) -> None:
        await asyncio.sleep(start_in)
        grid = self.rng.choice([u.id for u in self.org.subtree(DISTRICT)
                                if u.level is Level.grid and u.kind is UnitKind.territorial])
        matter = self.rng.choice(list(self.catalogue.matters.values()))
        reporter = f"resident{self.rng.randint(1, 2)}@{grid}"
        body = {"title": f"{matter.name}", "description": f"{matter.name}，请尽快处理", "matter_code": matter.code,
                "grid_id": grid, "address": "示例小区", "urgent": self.rng.random() < 0.05}
        resp = await self.http.post("/v1/issues", json=body, headers=self.auth(reporter))
        if resp.status_code != 201:
            self.tally.refused += 1
            return
        view = resp.json()
        for _ in range(MAX_ACTIONS):
            if view["status"] != "open" or time.monotonic() > self.deadline:
                break
            task = self.rng.choice(view["open_tasks"]) if view["open_tasks"] else None
            choice = self.choose(view, task) if task else None
            who = self.principal_for(task) if task else None
            await asyncio.sleep(self.delay(task) if task else 1.0)
            if task and choice and who:
                action, data = choice
                resp = await self.http.post(f"/v1/issues/{view['issue_id']}/actions", headers=self.auth(who),
                                            json={"task_id": task["task_id"], "action": action, "data": data})
                self.tally.actions += 1
                if resp.status_code == 200:
                    view = resp.json()
                    continue
                self.tally.refused += 1  # moved on meanwhile (a timer escalated it): look again
                reason = resp.json().get("refusal") or str(resp.status_code)
                self.tally.reasons[reason] = self.tally.reasons.get(reason, 0) + 1
            resp = await self.http.get(f"/v1/issues/{view['issue_id']}", headers=self.auth(reporter))
            if resp.status_code == 200:
                view = resp.json()
        outcome = view["outcome"] or view["status"]
        self.tally.outcomes[outcome] = self.tally.outcomes.get(outcome, 0) + 1


async def _play(settings: Settings, issues: int, concurrency: int, seed: int, console: Console) -> int:
    day_s = 86400 / settings.time_scale
    month_s = MONTH_DAYS * day_s
    started = datetime.now(UTC)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=settings.api_url, timeout=60, limits=limits) as http:
        try:
            (await http.get("/readyz")).raise_for_status()
        except httpx.HTTPError as exc:
            console.print(f"[red]the stack is not ready at {settings.api_url}: {exc}. Start it with `make run`.")
            return 1
        bound = month_s * 2.5 + 60
        demo = Demo(settings, http, random.Random(seed), deadline=time.monotonic() + bound)
        console.print(f"A month of {issues} issues in {DISTRICT}: a day every {day_s:.1f}s, about {month_s / 60:.1f} "
                      f"minutes. Slow this month: {', '.join(sorted(demo.slow))}.")
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=console) as progress:
            bar = progress.add_task("issues done", total=issues)

            async def one(start_in: float) -> None:
                try:
                    await demo.issue(start_in)
                finally:
                    progress.advance(bar)

            try:
                async with asyncio.timeout(bound):
                    await asyncio.gather(*(one(demo.rng.uniform(0, month_s * 0.8)) for _ in range(issues)))
            except TimeoutError:
                console.print(f"stopped at the time bound ({bound:.0f}s); the unfinished issues keep running")
        played = sum(demo.tally.outcomes.values())
        outcomes = ", ".join(f"{k} {v}" for k, v in sorted(demo.tally.outcomes.items()))
        outcomes += f"; not finished {issues - played}" if played < issues else ""
        reasons = ", ".join(f"{k} {v}" for k, v in sorted(demo.tally.reasons.items()))
        console.print(f"{demo.tally.actions} actions, {demo.tally.refused} refused as things moved on ({reasons})")
        console.print(f"outcomes: {outcomes}")
        await asyncio.sleep(2)  # let the read model catch up with the last transitions
        params = {"level": "street", "from": started.isoformat(), "to": datetime.now(UTC).isoformat()}
        resp = await http.get("/v1/stats/ranking", params=params, headers=demo.auth(f"supervisor@{DISTRICT}"))
        resp.raise_for_status()
        console.print(_table(resp.json()))
    return 0


def _pct(figure: dict[str, Any]) -> str:
    rate = figure.get("rate")
    return "-" if rate is None else f"{rate * 100:.1f}% ({figure['numerator']}/{figure['denominator']})"


def _table(rows: list[dict[str, Any]]) -> Table:
    org = directory_in_force().organisation
    table = Table(title="三率 — the three rates per street")
    for col in ("rank", "street", "received", "response 响应率", "resolution 解决率", "satisfaction 满意率",
                "on-time", "red"):
        table.add_column(col)
    for r in rows:
        s = r["stats"]
        table.add_row(str(r["rank"]), org.units[r["unit_id"]].name, str(s["received"]["numerator"]),
                      _pct(s["response_rate"]), _pct(s["resolution_rate"]), _pct(s["satisfaction_rate"]),
                      _pct(s["on_time_handling_rate"]), str(s["red"]["numerator"]))
    return table


def run_demo(settings: Settings, issues: int = 300, concurrency: int = 24, seed: int = 7) -> int:
    console = Console()
    if settings.time_scale < 100:
        console.print("Set WHISTLE_TIME_SCALE (here and on the stack), e.g. 43200: a day passes in 2 s.")
        return 2
    return asyncio.run(_play(settings, max(1, issues), max(1, concurrency), seed, console))
