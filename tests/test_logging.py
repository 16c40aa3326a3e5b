"""What a log may hold: no local variables in tracebacks, one bounded record per error."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import structlog

from core.logging import MAX_VALUE_CHARS, configure_logging

SECRET = "jwt-secret-4f1c9e"
PHONE = "13912345678"


@pytest.fixture
def restore_logging() -> Iterator[None]:
    before = structlog.get_config()
    yield
    structlog.configure(**before)


def _fail(secret: str = SECRET, phone: str = PHONE) -> None:
    raise RuntimeError("the database went away")


@pytest.mark.parametrize("fmt", ["console", "json"])
def test_an_error_is_one_bounded_record_without_locals(fmt: str, restore_logging: None,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(fmt)
    log = structlog.get_logger("test")
    try:
        _fail()
    except RuntimeError:
        log.exception("request_failed", body="x" * 100_000)
    err = capsys.readouterr().err
    assert SECRET not in err and PHONE not in err
    assert "the database went away" in err and len(err) < MAX_VALUE_CHARS + 5000
    if fmt == "json":
        (line,) = err.strip().splitlines()
        record = json.loads(line)
        assert record["exception"][0]["exc_type"] == "RuntimeError"
        assert all("locals" not in frame for frame in record["exception"][0]["frames"])
