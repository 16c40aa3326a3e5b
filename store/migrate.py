"""Running the Alembic migrations from code (``whistle migrate``, ``make run``, the tests)."""

from __future__ import annotations

import logging

from alembic import command
from alembic.config import Config

from core.settings import PROJECT_ROOT


def alembic_config(url: str) -> Config:
    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def _quiet() -> None:
    logging.getLogger("alembic").setLevel(logging.WARNING)


def upgrade(url: str, revision: str = "head") -> None:
    _quiet()
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    _quiet()
    command.downgrade(alembic_config(url), revision)
