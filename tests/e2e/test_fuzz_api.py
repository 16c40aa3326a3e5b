"""An outside fuzzer against the live stack: schemathesis generates valid and invalid requests for every operation
of ``/openapi.json``, as each role signs in, and finds no 5xx and no response that breaks its own schema.

``make test`` runs the short form (a few requests per operation and role); ``make fuzz-api`` the full one
(``WHISTLE_FUZZ_API_EXAMPLES``, 50 unless told). Each run prints its counts; docs/RELIABILITY.md records one.
The stack is this module's own: the administrator's and the supervisors' generated writes change nobody else's
directory or calendar."""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from tests.e2e.live_stack import LiveStack, live_stack

#: one principal for each role (and both levels of supervisor), as the sample city has them
ROLES = {
    "resident": "resident1@qh.hd.cy.c1.g1",
    "grid_worker": "grid_worker@qh.hd.cy.c1.g1",
    "handler": "handler@qh.hd.dept.heating",
    "dispatcher": "dispatcher@qh.hd.cy",
    "leader": "leader@qh.hd.cy",
    "supervisor (district)": "supervisor@qh.hd",
    "supervisor (city)": "supervisor@qh",
    "integration": "hotline@qh",
    "administrator": "administrator@qh.hd",
}
#: generated requests per operation and role
EXAMPLES = int(os.environ.get("WHISTLE_FUZZ_API_EXAMPLES", "3"))


def _fuzz(operation: Any, role: str, headers: dict[str, str], statuses: Counter[int], per_role: Counter[str]) -> None:
    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
              database=None)
    def check(case: Any) -> None:
        response = case.call_and_validate(
            headers=headers, timeout=60,
            checks=[not_a_server_error, response_schema_conformance, content_type_conformance])
        statuses[response.status_code] += 1
        per_role[role] += 1

    check()


@pytest.fixture(scope="module")
def fuzz_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveStack]:
    with live_stack(tmp_path_factory.mktemp("fuzz")) as stack:
        yield stack


def test_no_5xx_and_every_response_fits_the_schema_for_every_role(fuzz_stack: LiveStack) -> None:
    """(Driven through schemathesis' Python API: its pytest plugin does not run on this pytest.)"""
    schema = schemathesis.openapi.from_url(f"{fuzz_stack.url}/openapi.json")
    # the notification stream never ends by design (server-sent events): tests/e2e/test_notification_stream.py
    operations = [op for op in (result.ok() for result in schema.get_all_operations())
                  if not op.path.endswith("/stream")]
    assert len(operations) >= 40
    statuses: Counter[int] = Counter()
    per_role: Counter[str] = Counter()
    for role, principal in ROLES.items():
        for operation in operations:
            _fuzz(operation, role, fuzz_stack.auth(principal), statuses, per_role)
    total = sum(statuses.values())
    print("\nfuzz-api:", json.dumps({"operations": len(operations), "roles": len(ROLES),
                                     "examples_per_operation_and_role": EXAMPLES, "requests": total,
                                     "statuses": dict(sorted(statuses.items())), "per_role": dict(per_role)}))
    assert total >= 2 * len(operations) * len(ROLES), statuses
    assert not [s for s in statuses if s >= 500], statuses
    # valid and invalid input both arrived, and every role was both let in and kept out somewhere
    assert statuses[200] > 0 and statuses[422] > 0 and statuses[403] + statuses[404] > 0, statuses
