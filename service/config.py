"""Configuration from the environment (prefix ``EYES_``), served by a cached ``get_settings``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SHIPPED_AREAS_DIR = Path(__file__).resolve().parents[1] / "data" / "areas"
PLACEHOLDER_SECRET = "changethis"


class Settings(BaseSettings):
    """Service settings. Every field can be set as ``EYES_<NAME>`` in the environment."""

    model_config = SettingsConfigDict(env_prefix="EYES_", extra="ignore")

    environment: Literal["dev", "test", "prod"] = "dev"
    database_url: str = Field(
        default="sqlite:///var/eyes.db",
        validation_alias=AliasChoices("EYES_DATABASE_URL", "DATABASE_URL"),
        description="SQLAlchemy URL: SQLite by default, postgresql+psycopg://... for PostgreSQL.",
    )
    areas_dir: Path = Field(
        default=SHIPPED_AREAS_DIR, description="Folder of NAME.osm / .osm.bz2 / .osm.pbf files."
    )
    default_area: str = "sindal"
    graph_cache_dir: Path = Field(default=Path("var/graph-cache"))
    max_snap_m: float = Field(
        default=300.0, gt=0, description="How far a location may lie from the street network."
    )
    default_time_limit_s: float = Field(default=5.0, gt=0)
    max_time_limit_s: float = Field(default=120.0, gt=0)
    preload_area: bool = Field(default=True, description="Load the default area at start-up.")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    sms_token: SecretStr = SecretStr(PLACEHOLDER_SECRET)

    @model_validator(mode="after")
    def _no_placeholder_secrets_in_prod(self) -> Settings:
        if self.environment == "prod" and self.sms_token.get_secret_value() == PLACEHOLDER_SECRET:
            msg = "EYES_SMS_TOKEN must be set to a real secret when EYES_ENVIRONMENT=prod."
            raise ValueError(msg)
        return self


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
