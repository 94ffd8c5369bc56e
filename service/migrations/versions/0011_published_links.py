"""Staff links texted to the staff: an outbox row may carry its own text, and a link says
when it was published.

``alert_outbox.text``: the SMS of this row alone (a staff member's own link), where the
alert's message is the same for every recipient otherwise. ``staff_links.published_at``:
when the link was queued as an SMS (``POST /v1/plans/{id}/publish`` texts each staff member
once).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("alert_outbox") as batch:
        batch.add_column(sa.Column("text", sa.Text(), nullable=True))
    with op.batch_alter_table("staff_links") as batch:
        batch.add_column(sa.Column("published_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("staff_links") as batch:
        batch.drop_column("published_at")
    with op.batch_alter_table("alert_outbox") as batch:
        batch.drop_column("text")
