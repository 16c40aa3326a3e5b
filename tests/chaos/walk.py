"""People walking issues through the HTTP API while processes die under them, and the tally that proves
nothing was lost or doubled.

A walker sends each action with an ``Idempotency-Key`` and, on an answer that leaves the outcome unknown (a
503, a 504, a dropped connection), sends it again with the same key until it is answered, within a bound.
The tally keeps every action the API acknowledged, every status seen and how long the longest answer took;
:func:`verify` then compares, per issue, the acknowledged actions with the successful ``act`` updates in
Temporal's history and with the ``action`` rows of the read model's timeline, through the audit endpoint.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from api.auth import TokenService
from bench.throughput import GRID, RESIDENT, WALK
from core.settings import Settings

AUDITOR = "supervisor@qh"
#: the walk up to the department's summons: an issue left there waits on its report timers
TO_SUMMONS = WALK[:3]
UNKNOWN_OUTCOME = {502, 503, 504}


@dataclass
class Tally:
    acked: dict[str, list[str]] = field(default_factory=dict)  # issue → acknowledged actions, in order
    statuses: Counter[int | str] = field(default_factory=Counter)
    slowest_s: float = 0.0
    retries: int = 0
    failures: list[str] = field(default_factory=list)

    def seen(self, status: int | str, took_s: float) -> None:
        self.statuses[status] += 1
        self.slowest_s = max(self.slowest_s, took_s)


class Walker:
    def __init__(self, base_url: str, tally: Tally, data_dir: Path, *, keyed: bool = True,
                 retry_for_s: float = 120.0, request_timeout_s: float = 30.0) -> None:
        self.http = httpx.AsyncClient(base_url=base_url, timeout=request_timeout_s,
                                      limits=httpx.Limits(max_connections=100, max_keepalive_connections=100))
        tokens = TokenService(Settings(data_dir=data_dir))  # the stack's own signing secret
        people = {w[2] for w in WALK} | {RESIDENT, AUDITOR}
        self.auth = {p: {"Authorization": f"Bearer {tokens.issue(p)}"} for p in people}
        self.tally = tally
        self.keyed = keyed
        self.retry_for_s = retry_for_s

    async def close(self) -> None:
        await self.http.aclose()

    async def _send(self, method: str, path: str, who: str, body: dict[str, Any] | None,
                    expect: int) -> dict[str, Any]:
        """One request, sent again with the same key while its outcome is unknown; bounded in time."""
        headers = dict(self.auth[who])
        if self.keyed:
            headers["Idempotency-Key"] = uuid.uuid4().hex
        give_up = time.monotonic() + self.retry_for_s
        for attempt in range(1000):
            t0 = time.monotonic()
            try:
                resp = await self.http.request(method, path, headers=headers, json=body)
            except httpx.TransportError as exc:
                self.tally.seen(type(exc).__name__, time.monotonic() - t0)
            else:
                self.tally.seen(resp.status_code, time.monotonic() - t0)
                if resp.status_code == expect:
                    return dict(resp.json())
                if resp.status_code not in UNKNOWN_OUTCOME:
                    raise RuntimeError(f"{method} {path}: {resp.status_code} {resp.text[:300]}")
            if not self.keyed:
                raise RuntimeError(f"{method} {path}: outcome unknown and no key to send it again with")
            if time.monotonic() > give_up:
                raise TimeoutError(f"{method} {path}: no answer in {self.retry_for_s:g} s ({attempt + 1} tries)")
            self.tally.retries += 1
            await asyncio.sleep(min(0.2 * 2 ** min(attempt, 4), 2.0))
        raise AssertionError("unreachable: the loop is bounded by time")

    async def report(self) -> dict[str, Any]:
        return await self._send("POST", "/v1/issues", RESIDENT, {
            "title": "暖气不热", "description": "三天不热了", "matter_code": "heating.no_heat", "grid_id": GRID,
            "address": "东苑小区3号楼201"}, 201)

    async def walk(self, view: dict[str, Any], steps: list[tuple[str, str, str, dict[str, Any]]] = WALK
                   ) -> str:
        issue_id = str(view["issue_id"])
        acked = self.tally.acked.setdefault(issue_id, [])
        for kind, action, who, data in steps:
            task = next((t for t in view["open_tasks"] if t["kind"] == kind
                         and (kind != "evaluate" or (t["principal_id"] == who) == (who == RESIDENT))), None)
            if task is None:
                raise RuntimeError(f"{issue_id}: no open {kind} task for {who} "
                                   f"(open: {[t['kind'] for t in view['open_tasks']]})")
            view = await self._send("POST", f"/v1/issues/{issue_id}/actions", who,
                                    {"task_id": task["task_id"], "action": action, "data": data}, 200)
            acked.append(f"{task['task_id']}:{action}")
        return issue_id

    async def report_and_walk(self, steps: list[tuple[str, str, str, dict[str, Any]]] = WALK) -> str | None:
        try:
            return await self.walk(await self.report(), steps)
        except (RuntimeError, TimeoutError) as exc:
            self.tally.failures.append(str(exc))
            return None

    async def get(self, path: str, who: str = AUDITOR) -> httpx.Response:
        return await self.http.get(path, headers=self.auth[who])

    async def read(self, path: str, retry_for_s: float = 60.0) -> dict[str, Any]:
        """A supervisor's GET, asked again while Temporal or the database is not answering yet (bounded)."""
        give_up = time.monotonic() + retry_for_s
        for _ in range(1000):
            resp = await self.get(path)
            if resp.status_code == 200:
                return dict(resp.json())
            if resp.status_code not in UNKNOWN_OUTCOME or time.monotonic() > give_up:
                raise RuntimeError(f"GET {path}: {resp.status_code} {resp.text[:300]}")
            await asyncio.sleep(0.5)
        raise AssertionError("unreachable: the loop is bounded by time")

    async def audit(self, issue_id: str) -> dict[str, Any]:
        return await self.read(f"/v1/issues/{issue_id}/audit")


@dataclass
class Verdict:
    issues: int = 0
    closed: int = 0
    acked: int = 0
    in_history: int = 0
    in_timeline: int = 0
    lost: int = 0
    doubled: int = 0
    disagreeing: list[str] = field(default_factory=list)


def _succeeded_acts(runs: list[dict[str, Any]]) -> list[str]:
    """The update ids of the ``act`` updates that succeeded, over every run of the issue's history."""
    accepted: set[str] = set()
    done: list[str] = []
    for run in runs:
        for ev in run["events"]:
            if "workflowExecutionUpdateAcceptedEventAttributes" in ev:
                req = ev["workflowExecutionUpdateAcceptedEventAttributes"]["acceptedRequest"]
                if req["input"]["name"] == "act":
                    accepted.add(req["meta"]["updateId"])
            elif "workflowExecutionUpdateCompletedEventAttributes" in ev:
                attrs = ev["workflowExecutionUpdateCompletedEventAttributes"]
                if "success" in attrs["outcome"] and attrs["meta"]["updateId"] in accepted:
                    done.append(attrs["meta"]["updateId"])
    return done


async def verify(walker: Walker, issue_ids: list[str], *, closed: bool) -> Verdict:
    """Per issue: the acknowledged actions against the history and the timeline (through the audit view)."""
    v = Verdict(issues=len(issue_ids))
    for issue_id in issue_ids:
        audit = await walker.audit(issue_id)
        acked = walker.tally.acked.get(issue_id, [])
        in_history = _succeeded_acts(audit["runs"])
        rows = [f"{e['task_id']}:{e['data'].get('action')}" for e in audit["timeline"] if e["kind"] == "action"]
        v.acked += len(acked)
        v.in_history += len(in_history)
        v.in_timeline += len(rows)
        v.lost += len(set(acked) - set(rows))
        v.doubled += (len(in_history) - len(set(in_history))) + (len(rows) - len(set(rows)))
        v.doubled += max(len(in_history) - len(acked), 0)
        if not audit["agree"]:
            v.disagreeing.append(f"{issue_id}: {audit['problems'][:3]}")
        view = await walker.read(f"/v1/issues/{issue_id}")
        v.closed += view["status"] == "closed"
    if closed:
        assert v.closed == v.issues, f"{v.issues - v.closed} issues did not reach their end"
    return v


async def until(check: Any, timeout_s: float, every_s: float = 0.5) -> float:
    """Wait until ``await check()`` is true; the seconds it took. Bounded: raises after ``timeout_s``."""
    t0 = time.monotonic()
    for _ in range(int(timeout_s / every_s) + 1):  # bounded in count, and in time: a check may itself be slow
        if await check():
            return time.monotonic() - t0
        if time.monotonic() - t0 > timeout_s:
            break
        await asyncio.sleep(every_s)
    raise TimeoutError(f"not true within {timeout_s:g} s")
