"""One version number per plan.

Two re-plans of one plan stored at once could both become version 2. Versions already
doubled are renumbered in the order they were made (the stored answer's ``version`` too),
then a unique index on (lineage_id, version) refuses the second of two re-plans stored at
once; the re-plan is planned again on top of the first (``service.plans.replan``).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

plans = sa.table(
    "plans",
    sa.column("id", sa.String),
    sa.column("lineage_id", sa.String),
    sa.column("version", sa.Integer),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("plan", sa.JSON),
)


def _renumber(connection: sa.Connection) -> None:
    """Give each lineage's versions the numbers 1, 2, ... where two share a number."""
    rows = connection.execute(
        sa.select(plans.c.id, plans.c.lineage_id, plans.c.version).order_by(
            plans.c.lineage_id, plans.c.version, plans.c.created_at, plans.c.id
        )
    ).all()
    by_lineage: dict[str, list[Any]] = {}
    for row in rows:
        by_lineage.setdefault(row.lineage_id or row.id, []).append(row)
    for versions in by_lineage.values():
        if len({row.version for row in versions}) == len(versions):
            continue
        for number, row in enumerate(versions, start=1):
            if row.version == number:
                continue
            stored = connection.execute(
                sa.select(plans.c.plan).where(plans.c.id == row.id)
            ).scalar_one()
            answer = json.loads(stored) if isinstance(stored, str) else dict(stored)
            answer["version"] = number
            connection.execute(
                plans.update().where(plans.c.id == row.id).values(version=number, plan=answer)
            )


def upgrade() -> None:
    _renumber(op.get_bind())
    op.create_index("uq_plans_lineage_version", "plans", ["lineage_id", "version"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_plans_lineage_version", table_name="plans")
