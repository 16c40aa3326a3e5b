"""The search attributes every issue keeps up to date, so that Temporal's own UI and CLI can find
issues: ``temporal workflow list --query 'WhistleStep="handling" AND WhistleOverdue=true'``."""

from __future__ import annotations

from temporalio.common import SearchAttributeKey

STEP = SearchAttributeKey.for_keyword("WhistleStep")
STATUS = SearchAttributeKey.for_keyword("WhistleStatus")
LEVEL = SearchAttributeKey.for_keyword("WhistleLevel")
CATEGORY = SearchAttributeKey.for_keyword("WhistleCategory")
LEAD_UNIT = SearchAttributeKey.for_keyword("WhistleLeadUnit")
OVERDUE = SearchAttributeKey.for_bool("WhistleOverdue")
#: an open task's deadline counts a year whose official arrangement is not loaded yet (published by issues
#: started since the "provisional-deadlines" patch)
PROVISIONAL = SearchAttributeKey.for_bool("WhistleProvisional")

#: what every issue publishes
ISSUE_KEYS: tuple[SearchAttributeKey, ...] = (STEP, STATUS, LEVEL, CATEGORY, LEAD_UNIT, OVERDUE)  # type: ignore[type-arg]  # keys of mixed value types
#: everything the namespace must have registered
ALL_KEYS: tuple[SearchAttributeKey, ...] = (*ISSUE_KEYS, PROVISIONAL)  # type: ignore[type-arg]  # mixed types


def cli_flags() -> list[str]:
    """``--search-attribute Name=Type`` flags for ``temporal server start-dev``."""
    out = []
    for key in ALL_KEYS:
        kind = "Bool" if key.indexed_value_type.name.endswith("BOOL") else "Keyword"
        out += ["--search-attribute", f"{key.name}={kind}"]
    return out
