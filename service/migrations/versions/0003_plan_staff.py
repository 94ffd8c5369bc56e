"""Per staff member tracks: what alert targeting reads, without loading plan requests.

``plan_staff`` holds one row per staff member of a stored plan: the plan date, the phone,
the shift as requested, the planned route and its street line. Existing plans are copied
in, so alerts keep reaching staff of plans made before this revision.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
LOCAL_TZ = ZoneInfo("Europe/Copenhagen")


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _local(value: str, day: date) -> datetime:
    """A stored shift time (clock time on the plan date, or ISO datetime) in UTC."""
    if "T" in value:
        moment = datetime.fromisoformat(value)
        moment = moment if moment.tzinfo else moment.replace(tzinfo=LOCAL_TZ)
    else:
        clock = time.fromisoformat(value)
        moment = datetime.combine(day, clock.replace(tzinfo=None), tzinfo=clock.tzinfo or LOCAL_TZ)
    return moment.astimezone(UTC)


def upgrade() -> None:
    plan_staff = op.create_table(
        "plan_staff",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("plan_id", sa.String(32), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("plan_date", sa.Date(), nullable=False),
        sa.Column("staff_id", sa.String(64), nullable=False),
        sa.Column("phone", sa.String(20), nullable=True),
        sa.Column("shift_start", TZ, nullable=False),
        sa.Column("shift_end", TZ, nullable=False),
        sa.Column("route", sa.JSON(), nullable=True),
        sa.Column("line", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="plan_staff_pkey"),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.id"], name="plan_staff_plan_id_fkey", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_plan_staff_plan_id", "plan_staff", ["plan_id"])
    op.create_index("ix_plan_staff_created_at", "plan_staff", ["created_at"])
    plans = sa.table(
        "plans",
        sa.column("id", sa.String),
        sa.column("created_at", TZ),
        sa.column("request", sa.JSON),
        sa.column("plan", sa.JSON),
        sa.column("geojson", sa.JSON),
    )
    bind = op.get_bind()
    rows = []
    for plan_id, created_at, request, plan, geojson in bind.execute(sa.select(plans)):
        request, plan, geojson = _json(request), _json(plan), _json(geojson)
        if not plan.get("date"):
            continue  # not a plan answer this code ever wrote; nothing to target
        day = date.fromisoformat(plan["date"])
        routes = {r["staff_id"]: r for r in plan.get("routes", [])}
        lines = {
            f["properties"]["staff_id"]: f["geometry"]["coordinates"]
            for f in (geojson or {}).get("features", [])
            if f.get("properties", {}).get("feature") == "route"
        }
        for shift in request.get("shifts", []):
            rows.append(
                {
                    "plan_id": plan_id,
                    "created_at": created_at,
                    "plan_date": day,
                    "staff_id": shift["id"],
                    "phone": shift.get("phone"),
                    "shift_start": _local(shift["start_time"], day),
                    "shift_end": _local(shift["end_time"], day),
                    "route": routes.get(shift["id"]),
                    "line": lines.get(shift["id"]),
                }
            )
    if rows:
        op.bulk_insert(plan_staff, rows)


def downgrade() -> None:
    op.drop_table("plan_staff")
