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
    language: Literal["da", "en"] = Field(
        default="da",
        description="The language people read when a request names none (Accept-Language): "
        "the map, SMS texts, reports and their pictures, problem+json, the CLI.",
    )
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
    solver_engine: Literal["portfolio", "ortools"] = Field(
        default="portfolio",
        description="portfolio: PyVRP searches, OR-Tools checks and polishes; ortools: alone.",
    )
    solver_workers: int = Field(
        default=2, ge=1, le=16, description="Processes per plan search (one seed each)."
    )
    solver_max_iterations: int | None = Field(
        default=None,
        ge=1,
        description="Search a fixed effort instead of the clock: each search runs this many "
        "iterations, so the same request gives the same plan on any machine, however busy "
        "(the time limit, at least EYES_MAX_TIME_LIMIT_S, is then only a guard). Unset: "
        "search by the clock.",
    )
    preload_area: bool = Field(default=True, description="Load the default area at start-up.")
    map_tile_url: str | None = Field(
        default=None,
        description="Raster tiles under the map, e.g. https://tiles.example.dk/{z}/{x}/{y}.png; "
        "none: the map draws the area's streets from the street graph alone.",
    )
    map_tile_attribution: str = Field(
        default="© OpenStreetMap contributors", description="Credit shown for the tiles."
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    sms_token: SecretStr = Field(
        default=SecretStr(PLACEHOLDER_SECRET),
        description="GatewayAPI API token, or the Twilio auth token (also signs its callbacks).",
    )

    # Who may do what (issue 4).
    auth: bool = Field(
        default=True,
        description="Require an X-API-Key on the API. false: every caller is admin (dev only).",
    )
    alert_rate_per_min: int = Field(default=10, ge=1, description="Alerts per key per minute.")

    heavy_reads_at_once: int = Field(
        default=2,
        ge=1,
        le=32,
        description="Hotspot, report and report-picture computations at once per API "
        "process; beyond: 503 with Retry-After.",
    )
    heavy_read_cache_s: float = Field(
        default=600.0,
        ge=0,
        description="How long a hotspot or report result is reused for the same area, day "
        "and records.",
    )

    # The eyes' own page (issue 17).
    field_link_margin_min: int = Field(
        default=120,
        ge=0,
        le=24 * 60,
        description="A staff link lives until the staff member's shift ends plus this.",
    )
    tip_rate_per_hour: int = Field(
        default=30, ge=1, description="Tips per staff link per hour (beyond: 429)."
    )

    # Police alerts and their SMS.
    sms_provider: Literal["console", "gatewayapi", "twilio"] = Field(
        default="console", description="console writes to the log and the database."
    )
    sms_sender: str = Field(
        default="Eyes", max_length=20, description="Sender name/number (Twilio: From or MG...)."
    )
    gatewayapi_base_url: str = "https://gatewayapi.com"
    gatewayapi_webhook_secret: SecretStr = Field(
        default=SecretStr(""), description="Shared secret of the X-Gwapi-Signature JWT."
    )
    receipt_max_age_s: float = Field(
        default=86400.0,
        gt=0,
        description="GatewayAPI delivery reports whose JWT was issued (iat, or the report's "
        "time) longer ago than this, or that carry no time and no expiry, are refused.",
    )
    twilio_base_url: str = "https://api.twilio.com"
    twilio_account_sid: str = ""
    public_base_url: str | None = Field(
        default=None,
        description="This service's public URL: receipt callbacks and Twilio signatures use it.",
    )
    sms_timeout_s: float = Field(
        default=10.0, gt=0, description="Total deadline of one provider request (all phases)."
    )
    sms_lease_s: float = Field(
        default=60.0, gt=0, description="A row's lease, renewed before each send; > 2 x timeout."
    )
    sms_receipt_wait_s: float = Field(
        default=300.0,
        ge=0,
        description="GatewayAPI: how long a message in doubt waits for its delivery report "
        "before it is sent again with the same userref.",
    )
    sms_backoff_base_s: float = Field(default=2.0, gt=0)
    sms_backoff_max_s: float = Field(default=300.0, gt=0)
    sms_give_up_after_s: float = Field(default=3600.0, gt=0)
    sms_concurrency: int = Field(default=4, ge=1, le=40)
    sender_in_process: bool = Field(
        default=True, description="Run the SMS sender in the API process (else `eyes sender`)."
    )
    sender_poll_s: float = Field(default=1.0, gt=0)
    max_alert_radius_m: float = Field(default=20_000.0, gt=0)
    max_alert_hours: int = Field(default=48, ge=1)
    retention_days: int = Field(default=90, ge=1)
    incident_retention_days: int = Field(
        default=730,
        ge=1,
        description="Burglary records older than this (by their day) are deleted by "
        "`eyes retention`: a year of history for the forecast, plus last year's same weeks "
        "for the reports.",
    )

    # Plans off the request path (issue 12): the job queue and its workers.
    broker_url: str | None = Field(
        default=None,
        description="Celery broker, e.g. redis://127.0.0.1:6379/0: plans are solved by "
        "`eyes worker` processes. Unset: by a pool of processes of the API itself.",
    )
    plan_wait_s: float = Field(
        default=8.0,
        ge=0,
        le=60,
        description="How long POST /v1/plans waits for its job before answering 202.",
    )
    job_workers: int = Field(
        default=2,
        ge=1,
        le=32,
        description="Plans solved at once by the in-process pool (each uses "
        "EYES_SOLVER_WORKERS processes); with Celery, the number assumed for Retry-After.",
    )
    job_queue_max: int = Field(
        default=20, ge=1, description="Plans that may wait; beyond it POST /v1/plans is 503."
    )
    job_grace_s: float = Field(
        default=60.0,
        gt=0,
        description="A job's hard limit is its time limit plus this (street data, matrices).",
    )
    job_visibility_timeout_s: float = Field(
        default=600.0,
        gt=0,
        description="Celery/Redis: an unacknowledged job goes back to the queue after this "
        "(a worker that died); must exceed the longest job.",
    )
    job_restore_interval_s: float = Field(
        default=10.0, gt=0, description="How often a worker looks for jobs to give back."
    )
    job_queue_name: str = Field(default="plans", min_length=1, max_length=100)
    job_heartbeat_s: float = Field(
        default=5.0, gt=0, description="How often the process running a job says it lives."
    )
    job_lost_after_s: float = Field(
        default=20.0,
        gt=0,
        description="A running job whose heartbeat is older than its time limit plus this "
        "has lost its worker: it is queued again (or failed after EYES_JOB_MAX_ATTEMPTS).",
    )
    job_max_attempts: int = Field(
        default=3, ge=1, le=10, description="Workers a job may lose before it fails."
    )
    job_republish_after_s: float = Field(
        default=30.0,
        gt=0,
        description="Celery: a job queued this long that the broker no longer holds (Redis "
        "restarted empty) is published again.",
    )
    job_sweep_interval_s: float = Field(
        default=5.0, gt=0, description="How often lost and forgotten jobs are looked for."
    )
    worker_concurrency: int = Field(
        default=1, ge=1, le=32, description="Pool processes of one `eyes worker`."
    )
    nightly_plan_at: str = Field(
        default="15:00",
        pattern=r"^(|([01]\d|2[0-3]):[0-5]\d)$",
        description="Local time of the nightly plans (Celery beat); empty: none.",
    )
    nightly_dir: Path = Field(
        default=Path("var/nightly"), description="Plan request templates (*.json) for the night."
    )

    metrics_token: SecretStr = Field(
        default=SecretStr(""),
        description="When set, /metrics needs 'Authorization: Bearer <token>' (Prometheus "
        "bearer_token / authorization.credentials); empty: /metrics is open.",
    )

    # Limits at the HTTP edge.
    max_body_bytes: int = Field(
        default=4 * 1024 * 1024, ge=1024, description="Larger request bodies get a 413."
    )
    max_validation_errors: int = Field(
        default=20, ge=1, le=1000, description="Field problems listed in a 422 (the rest counted)."
    )
    refusal_audit_interval_s: float = Field(
        default=60.0,
        gt=0,
        description="Requests without a valid key are counted and audited once per interval.",
    )

    # Alert privacy: areas too small to single out a home visit.
    min_alert_radius_m: float = Field(
        default=200.0, ge=1, description="Smallest alert circle (a polygon: the same area)."
    )
    small_alert_radius_m: float = Field(
        default=1000.0, ge=1, description="Alerts on areas up to this radius count as small."
    )
    small_alert_rate_per_hour: int = Field(
        default=6, ge=1, description="Small-area alerts per key per hour."
    )
    alert_count_floor: int = Field(
        default=3,
        ge=1,
        description="Police see near-route recipient counts below this only as 'fewer than N'.",
    )

    @model_validator(mode="after")
    def _no_placeholder_secrets_in_prod(self) -> Settings:
        if self.environment == "prod" and self.sms_token.get_secret_value() == PLACEHOLDER_SECRET:
            msg = "EYES_SMS_TOKEN must be set to a real secret when EYES_ENVIRONMENT=prod."
            raise ValueError(msg)
        if self.environment == "prod":
            self._prod_checks()
        if self.job_visibility_timeout_s <= self.max_time_limit_s + self.job_grace_s + 10:
            msg = (
                "EYES_JOB_VISIBILITY_TIMEOUT_S must exceed EYES_MAX_TIME_LIMIT_S plus "
                "EYES_JOB_GRACE_S plus 10 s, or a running plan would be handed out twice."
            )
            raise ValueError(msg)
        if self.job_lost_after_s <= 2 * self.job_heartbeat_s:
            msg = (
                "EYES_JOB_LOST_AFTER_S must be longer than twice EYES_JOB_HEARTBEAT_S, or a "
                "job whose heartbeat is merely late would be taken for lost."
            )
            raise ValueError(msg)
        if self.sms_lease_s <= 2 * self.sms_timeout_s:
            msg = (
                "EYES_SMS_LEASE_S must be longer than twice EYES_SMS_TIMEOUT_S (a send's "
                "deadline, plus as long again for the provider to land it before a look-up)."
            )
            raise ValueError(msg)
        return self

    def receipt_url(self) -> str | None:
        """Where the SMS provider posts delivery reports (None without a public URL)."""
        if not self.public_base_url:
            return None
        return f"{self.public_base_url.rstrip('/')}/v1/sms/receipts/{self.sms_provider}"

    def _prod_checks(self) -> None:
        """Settings that are fine for a demo but unsafe with real people's phones."""
        if not self.auth:
            msg = "EYES_AUTH=false is for development only, not EYES_ENVIRONMENT=prod."
            raise ValueError(msg)
        if (
            self.sms_provider == "gatewayapi"
            and not self.gatewayapi_webhook_secret.get_secret_value()
        ):
            msg = (
                "EYES_GATEWAYAPI_WEBHOOK_SECRET must be set in prod: delivery reports settle "
                "messages in doubt and must be verifiable."
            )
            raise ValueError(msg)
        if self.sms_provider != "console" and not self.public_base_url:
            msg = (
                "EYES_PUBLIC_BASE_URL must be set in prod with an SMS provider: it is where "
                "delivery reports are sent."
            )
            raise ValueError(msg)


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
