"""One settings object, read from the environment (``WHISTLE_*``; ``DATABASE_URL``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WHISTLE_", extra="ignore")

    mode: Literal["embedded", "production"] = "embedded"
    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    temporal_ui_port: int = 8233
    task_queue: str = "whistle"
    #: every timer is divided by this, so a demo can watch a working day pass in seconds
    time_scale: float = Field(default=1.0, gt=0, le=1_000_000)
    timezone: str = "Asia/Shanghai"
    #: per-deployment calendar corrections: ``2027-01-01=holiday,2027-02-07=workday``
    calendar_overrides: str = ""
    data_dir: Path = PROJECT_ROOT / "data"
    log_format: Literal["console", "json"] = "console"
    log_level: str = "INFO"
    activity_threads: int = Field(default=16, ge=1, le=256)
    #: the read model; SQLite under data/ unless set (``postgresql+psycopg2://user:pw@host/db``)
    database_url: str | None = Field(default=None, validation_alias=AliasChoices("DATABASE_URL", "WHISTLE_DATABASE_URL"))
    #: how a rating window that passed in silence counts in the satisfaction rate
    no_answer_policy: Literal["exclude", "satisfied", "unsatisfied"] = "exclude"

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'whistle.db'}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
