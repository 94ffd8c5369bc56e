"""Plan jobs: plan requests solved off the request path (in-process pool or Celery).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "plan_jobs",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("backend", sa.String(16), nullable=False),
        sa.Column("owner", sa.String(32), nullable=True),
        sa.Column("time_limit_s", sa.Float(), nullable=False),
        sa.Column("request", sa.JSON(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("worker", sa.String(100), nullable=True),
        sa.Column("started_at", TZ, nullable=True),
        sa.Column("finished_at", TZ, nullable=True),
        sa.Column("run_s", sa.Float(), nullable=True),
        sa.Column("plan_id", sa.String(32), nullable=True),
        sa.Column("error", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="plan_jobs_pkey"),
    )
    op.create_index("ix_plan_jobs_created_at", "plan_jobs", ["created_at"])
    op.create_index("ix_plan_jobs_state", "plan_jobs", ["state"])


def downgrade() -> None:
    op.drop_index("ix_plan_jobs_state", table_name="plan_jobs")
    op.drop_index("ix_plan_jobs_created_at", table_name="plan_jobs")
    op.drop_table("plan_jobs")
