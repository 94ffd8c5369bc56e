"""Each outbox row names the SMS provider it was accepted for.

A sender claims only rows of its own provider: a sender configured with the console
provider on the same database as a real one could claim real messages and mark them
delivered without sending them. Rows from before keep NULL (any sender claims them).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("alert_outbox") as batch:
        batch.add_column(sa.Column("sms_provider", sa.String(16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("alert_outbox") as batch:
        batch.drop_column("sms_provider")
