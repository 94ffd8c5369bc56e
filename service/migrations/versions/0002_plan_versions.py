"""Plan versions and plan dates.

A re-plan is a new plan linked to the one it re-plans: ``parent_id`` names the version
re-planned, ``lineage_id`` the first plan of the chain (itself for a first plan),
``version`` counts from 1. ``plan_date`` is the evening planned (it finds the night
before's plan). Existing plans become version 1 of their own lineage, dated from their
stored answer.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("plans") as batch:
        batch.add_column(sa.Column("parent_id", sa.String(32), nullable=True))
        batch.add_column(sa.Column("lineage_id", sa.String(32), nullable=True))
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("plan_date", sa.Date(), nullable=True))
    op.execute("UPDATE plans SET lineage_id = id WHERE lineage_id IS NULL")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("UPDATE plans SET plan_date = (plan::jsonb ->> 'date')::date")
    else:
        op.execute("UPDATE plans SET plan_date = json_extract(plan, '$.date')")
    op.create_index("ix_plans_lineage_id", "plans", ["lineage_id"])
    op.create_index("ix_plans_area_plan_date", "plans", ["area", "plan_date"])


def downgrade() -> None:
    op.drop_index("ix_plans_area_plan_date", table_name="plans")
    op.drop_index("ix_plans_lineage_id", table_name="plans")
    with op.batch_alter_table("plans") as batch:
        batch.drop_column("plan_date")
        batch.drop_column("version")
        batch.drop_column("lineage_id")
        batch.drop_column("parent_id")
