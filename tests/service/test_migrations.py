"""The schema under Alembic: the migrations build exactly what the models declare, on SQLite
and PostgreSQL, and a database made before migrations existed is adopted with every row."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import sqlalchemy
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from service.cli import main
from service.config import Settings
from service.db import create_db_engine
from service.migrations import (
    HEAD_REVISION,
    SchemaOutOfDateError,
    alembic_config,
    current_revision,
    ensure_schema,
    head_revision,
    target_metadata,
    upgrade_to_head,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

DATA = Path(__file__).parent / "data"
T0 = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)

# One row per table, as the code before migrations wrote them.
ROWS: dict[str, dict[str, object]] = {
    "plans": {
        "id": "p1",
        "created_at": T0,
        "area": "sindal",
        "request": '{"shifts": [{"id": "g1", "phone": "+4520000001"}]}',
        "plan": '{"id": "p1", "routes": []}',
        "geojson": None,
    },
    "alerts": {
        "id": "a1",
        "created_at": T0,
        "owner": "k1",
        "idempotency_key": "i1",
        "body_hash": "h" * 64,
        "message": "Hold øje.",
        "area_name": "Sindal",
        "area": '{"center": {"lat": 57.47, "lon": 10.2}, "radius_m": 400}',
        "valid_from": T0,
        "valid_until": T0,
        "severity": "warning",
        "targeting": "near_route",
        "segments": 1,
        "recipient_count": 1,
        "note": None,
    },
    "alert_outbox": {
        "id": "o1",
        "alert_id": "a1",
        "recipient_key": "2026-11-20:g1",
        "staff_id": "g1",
        "plan_id": "p1",
        "reason": "near_route",
        "phone": "+4520000001",
        "phone_masked": "+45 •••• ••01",
        "status": "queued",
        "in_doubt": False,
        "version": 0,
        "attempts": 0,
        "next_attempt_at": T0,
        "receipt_final": False,
        "queued_at": T0,
    },
    "console_messages": {"reference": "o0", "created_at": T0, "phone": None, "text": None},
    "api_keys": {
        "id": "k1",
        "key_hash": "d" * 64,
        "role": "police",
        "label": "",
        "created_at": T0,
        "revoked": False,
    },
    "audit_log": {"id": 1, "at": T0, "action": "alert.create", "outcome": "ok"},
}


def _schema_differences(engine: Engine) -> list[object]:
    """What Alembic's autogenerate would still change to match the models (none is right)."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, target_metadata()))


def _old_database(engine: Engine, *, dialect: str, alter: str | None = None) -> None:
    """The tables exactly as the code before migrations made them, one row in each."""
    ddl = (DATA / f"schema_before_migrations.{dialect}.sql").read_text()
    with engine.begin() as connection:
        for statement in ddl.split(";"):
            if statement.strip().removeprefix("--").strip() and "CREATE" in statement:
                connection.exec_driver_sql(statement[statement.index("CREATE") :])
        if alter:
            connection.exec_driver_sql(alter)
        for table, row in ROWS.items():
            columns = ", ".join(f'"{c}"' for c in row)
            values = ", ".join(f":{c}" for c in row)
            connection.execute(
                sqlalchemy.text(f"INSERT INTO {table} ({columns}) VALUES ({values})"), row
            )


def _rows_kept(engine: Engine) -> None:
    with engine.connect() as connection:
        for table in ROWS:
            count = connection.execute(sqlalchemy.text(f"SELECT count(*) FROM {table}")).scalar()
            assert count == 1, table
        phone = connection.execute(
            sqlalchemy.text("SELECT phone FROM alert_outbox WHERE id = 'o1'")
        ).scalar()
        assert phone == "+4520000001"


def test_the_head_constant_names_the_newest_revision() -> None:
    """``HEAD_REVISION`` (checked without loading Alembic) is the newest file in versions/."""
    assert head_revision() == HEAD_REVISION


def test_migrations_build_what_the_models_declare_on_sqlite(tmp_path: Path) -> None:
    """From an empty SQLite file, the migrations give exactly the models' schema, and
    downgrading to nothing and back gives it again."""
    engine = create_db_engine(f"sqlite:///{tmp_path / 'new.db'}")
    assert upgrade_to_head(engine) == (None, HEAD_REVISION)
    assert _schema_differences(engine) == []
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "base")
    assert not sqlalchemy.inspect(engine).has_table("plans")
    upgrade_to_head(engine)
    assert _schema_differences(engine) == []
    assert current_revision(engine) == HEAD_REVISION


@pytest.mark.postgres
def test_migrations_build_what_the_models_declare_on_postgres(postgres_engine: Engine) -> None:
    """On PostgreSQL (the fixture migrates an empty schema) the schema is the models' too."""
    assert current_revision(postgres_engine) == HEAD_REVISION
    assert _schema_differences(postgres_engine) == []


def test_a_sqlite_database_from_before_migrations_keeps_every_row(tmp_path: Path) -> None:
    """A SQLite database made by the code before migrations, with an outbox from an even
    older version (no ``in_doubt_since``), is completed and adopted: rows kept, schema equal
    to the models'."""
    engine = create_db_engine(f"sqlite:///{tmp_path / 'old.db'}")
    _old_database(
        engine, dialect="sqlite", alter="ALTER TABLE alert_outbox DROP COLUMN in_doubt_since"
    )
    assert upgrade_to_head(engine) == (None, HEAD_REVISION)
    _rows_kept(engine)
    assert _schema_differences(engine) == []


@pytest.mark.postgres
def test_a_postgres_database_from_before_migrations_keeps_every_row(postgres_url: str) -> None:
    """A PostgreSQL database made before migrations, whose outbox still has the old
    64-character ``recipient_key`` and no ``in_doubt_since``, is widened, completed and
    adopted with every row."""
    engine = create_db_engine(postgres_url)
    try:
        _old_database(engine, dialect="postgresql")
        with engine.begin() as connection:
            connection.exec_driver_sql("ALTER TABLE alert_outbox DROP COLUMN in_doubt_since")
            connection.exec_driver_sql(
                "ALTER TABLE alert_outbox ALTER COLUMN recipient_key TYPE VARCHAR(64)"
            )
        upgrade_to_head(engine)
        _rows_kept(engine)
        assert _schema_differences(engine) == []
        [column] = [
            c
            for c in sqlalchemy.inspect(engine).get_columns("alert_outbox")
            if c["name"] == "recipient_key"
        ]
        assert getattr(column["type"], "length", None) == 100
    finally:
        engine.dispose()


def test_prod_refuses_a_database_that_is_not_at_head(tmp_path: Path) -> None:
    """Outside dev the schema is checked, not changed: an empty database is refused with the
    command that fixes it, and accepted once migrated."""
    engine = create_db_engine(f"sqlite:///{tmp_path / 'prod.db'}")
    with pytest.raises(SchemaOutOfDateError, match="run `eyes migrate`"):
        ensure_schema(engine, upgrade=False)
    assert not sqlalchemy.inspect(engine).has_table("plans")
    upgrade_to_head(engine)
    ensure_schema(engine, upgrade=False)


def test_eyes_migrate_upgrades_then_reports_nothing_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``eyes migrate`` brings a new database to the head, and says so; run again, it says
    there was nothing to do."""
    from service.config import get_settings

    monkeypatch.setenv("EYES_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    get_settings.cache_clear()
    try:
        assert main(["migrate"]) == 0
        assert main(["migrate"]) == 0
    finally:
        get_settings.cache_clear()
    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"database upgraded from revision none to {HEAD_REVISION}",
        f"database already at revision {HEAD_REVISION}",
    ]


def test_a_prod_server_will_not_start_on_an_old_schema(tmp_path: Path) -> None:
    """``create_app`` in prod on a database that was never migrated raises (the server does
    not start) instead of creating tables behind the operator's back."""
    from service.api.app import create_app

    settings = Settings(
        environment="prod",
        database_url=f"sqlite:///{tmp_path / 'prod.db'}",
        sms_token="a-real-secret",
        preload_area=False,
    )
    with pytest.raises(SchemaOutOfDateError):
        create_app(settings)


def test_plans_stored_before_the_track_table_still_reach_alerts(
    tmp_path: Path, small_request: dict[str, object], networks: object
) -> None:
    """A plan stored, then the database taken back to before ``plan_staff`` (0002) and up
    again: the upgrade copies each staff member's shift, phone, route and line from the
    stored plan, so targeting reads the same staff as before."""
    from service.config import Settings
    from service.plans.networks import AreaNetworks
    from service.plans.planning import create_plan
    from service.plans.schemas import PlanRequest
    from service.plans.store import PlanStore

    assert isinstance(networks, AreaNetworks)
    engine = create_db_engine(f"sqlite:///{tmp_path / 'tracks.db'}")
    upgrade_to_head(engine)
    store = PlanStore(engine)
    settings = Settings(database_url="sqlite://", default_time_limit_s=1, preload_area=False)
    plan = create_plan(
        PlanRequest.model_validate(small_request), networks=networks, settings=settings, store=store
    ).plan
    before = store.staff_plans_since(plan.created_at)
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0002")
    assert not sqlalchemy.inspect(engine).has_table("plan_staff")
    upgrade_to_head(engine)
    after = store.staff_plans_since(plan.created_at)
    assert [(s.staff_id, s.phone, s.shift_start, s.shift_end) for s in after] == [
        (s.staff_id, s.phone, s.shift_start, s.shift_end) for s in before
    ]
    assert [s.route for s in after] == [s.route for s in before]
    assert [s.line for s in after] == [s.line for s in before]
    assert len(after) == len(plan.routes)


def _keys_and_alerts_survive_scoping(engine: Engine) -> None:
    """A database at 0007 with a police key and an alert, upgraded: the key works and sees
    every area; the alert reads as before (its recipient queued, no merge, no areas)."""
    from service.alerts.store import AlertStore
    from service.auth.keys import authenticate, digest

    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0007")
        for table in ("plans", "alerts", "alert_outbox", "api_keys"):
            row = ROWS[table] | (
                {"key_hash": digest("eyes_old-key")} if table == "api_keys" else {}
            )
            columns = ", ".join(f'"{c}"' for c in row)
            values = ", ".join(f":{c}" for c in row)
            connection.execute(
                sqlalchemy.text(f"INSERT INTO {table} ({columns}) VALUES ({values})"), row
            )
    upgrade_to_head(engine)
    store = AlertStore(engine)
    principal = authenticate(store, "eyes_old-key")
    assert principal is not None
    assert (principal.key_id, principal.role, principal.areas) == ("k1", "police", None)
    assert principal.may_see("sindal")
    assert principal.may_see("ronne")
    alert = store.get("a1")
    assert [r.status for r in alert.recipients] == ["queued"]
    assert alert.recipient_count == 1
    assert store.recent(areas={"sindal"}) == []  # no areas known: keys of every area only
    assert _schema_differences(engine) == []


def test_existing_keys_keep_working_after_the_scoping_upgrade_on_sqlite(tmp_path: Path) -> None:
    """Upgrading from 0007 on SQLite breaks no key: NULL areas mean every area."""
    _keys_and_alerts_survive_scoping(create_db_engine(f"sqlite:///{tmp_path / 'keys.db'}"))


@pytest.mark.postgres
def test_existing_keys_keep_working_after_the_scoping_upgrade_on_postgres(
    postgres_url: str,
) -> None:
    """The same on PostgreSQL."""
    engine = create_db_engine(postgres_url)
    try:
        _keys_and_alerts_survive_scoping(engine)
    finally:
        engine.dispose()
