"""Collaboration: tasks, feed posts, comments, likes, notifications and the event log.

Revision ID: 0003_collaboration
Revises: 0002_crm
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.base import BigId, UtcDateTime

revision: str = "0003_collaboration"
down_revision: str | Sequence[str] | None = "0002_crm"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id() -> sa.Column[int]:
    return sa.Column("id", BigId, primary_key=True, autoincrement=True)


def _fk(column: str, target: str, ondelete: str, table: str, *, nullable: bool = False,
        primary_key: bool = False) -> sa.Column[int]:
    referred = target.split(".")[0]
    return sa.Column(
        column,
        BigId,
        sa.ForeignKey(target, ondelete=ondelete, name=f"fk_{table}_{column}_{referred}"),
        nullable=nullable,
        primary_key=primary_key,
    )


def _created_at() -> sa.Column[object]:
    return sa.Column("created_at", UtcDateTime(), server_default=sa.func.now(), nullable=False)


def _updated_at() -> sa.Column[object]:
    return sa.Column("updated_at", UtcDateTime(), server_default=sa.func.now(), nullable=False)


def _create_tasks() -> None:
    op.create_table(
        "tasks",
        _id(),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("priority", sa.String(16), nullable=False),
        sa.Column("deadline", UtcDateTime(), nullable=True),
        sa.Column("require_approval", sa.Boolean(), nullable=False),
        _fk("creator_id", "users.id", "RESTRICT", "tasks"),
        _fk("responsible_id", "users.id", "RESTRICT", "tasks"),
        _fk("parent_id", "tasks.id", "SET NULL", "tasks", nullable=True),
        sa.Column("closed_at", UtcDateTime(), nullable=True),
        _created_at(),
        _updated_at(),
        sa.PrimaryKeyConstraint("id", name="pk_tasks"),
    )
    op.create_index("ix_tasks_parent_id", "tasks", ["parent_id"])
    op.create_index("ix_tasks_creator_id", "tasks", ["creator_id"])
    op.create_index("ix_tasks_responsible_id", "tasks", ["responsible_id"])
    op.create_index("ix_tasks_created_at_id", "tasks", ["created_at", "id"])

    op.create_table(
        "task_members",
        _fk("task_id", "tasks.id", "CASCADE", "task_members", primary_key=True),
        _fk("user_id", "users.id", "CASCADE", "task_members", primary_key=True),
        sa.Column("role", sa.String(16), primary_key=True),
        sa.PrimaryKeyConstraint("task_id", "user_id", "role", name="pk_task_members"),
    )
    op.create_index("ix_task_members_user_id", "task_members", ["user_id"])

    op.create_table(
        "task_tags",
        _fk("task_id", "tasks.id", "CASCADE", "task_tags", primary_key=True),
        sa.Column("tag", sa.String(100), primary_key=True),
        sa.PrimaryKeyConstraint("task_id", "tag", name="pk_task_tags"),
    )
    op.create_index("ix_task_tags_tag", "task_tags", ["tag"])

    op.create_table(
        "checklist_items",
        _id(),
        _fk("task_id", "tasks.id", "CASCADE", "checklist_items"),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        _created_at(),
        sa.PrimaryKeyConstraint("id", name="pk_checklist_items"),
    )
    op.create_index(
        "ix_checklist_items_task_id_position", "checklist_items", ["task_id", "position"]
    )

    op.create_table(
        "task_crm_links",
        _fk("task_id", "tasks.id", "CASCADE", "task_crm_links", primary_key=True),
        sa.Column("entity_type", sa.String(16), primary_key=True),
        sa.Column("entity_id", BigId, primary_key=True),
        sa.PrimaryKeyConstraint("task_id", "entity_type", "entity_id", name="pk_task_crm_links"),
    )
    op.create_index("ix_task_crm_links_entity", "task_crm_links", ["entity_type", "entity_id"])


def _create_posts() -> None:
    op.create_table(
        "posts",
        _id(),
        _fk("author_id", "users.id", "RESTRICT", "posts"),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("important", sa.Boolean(), nullable=False),
        _created_at(),
        _updated_at(),
        sa.PrimaryKeyConstraint("id", name="pk_posts"),
    )
    op.create_index("ix_posts_author_id", "posts", ["author_id"])
    op.create_index("ix_posts_created_at_id", "posts", ["created_at", "id"])

    op.create_table(
        "post_recipients",
        _id(),
        _fk("post_id", "posts.id", "CASCADE", "post_recipients"),
        sa.Column("kind", sa.String(16), nullable=False),
        _fk("department_id", "departments.id", "CASCADE", "post_recipients", nullable=True),
        _fk("user_id", "users.id", "CASCADE", "post_recipients", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_post_recipients"),
        sa.CheckConstraint(
            "(kind = 'ALL' AND department_id IS NULL AND user_id IS NULL)"
            " OR (kind = 'DEPARTMENT' AND department_id IS NOT NULL AND user_id IS NULL)"
            " OR (kind = 'USER' AND user_id IS NOT NULL AND department_id IS NULL)",
            name="ck_post_recipients_kind_matches_target",
        ),
    )
    op.create_index("ix_post_recipients_post_id", "post_recipients", ["post_id"])
    op.create_index("ix_post_recipients_department_id", "post_recipients", ["department_id"])
    op.create_index("ix_post_recipients_user_id", "post_recipients", ["user_id"])

    op.create_table(
        "post_likes",
        _fk("post_id", "posts.id", "CASCADE", "post_likes", primary_key=True),
        _fk("user_id", "users.id", "CASCADE", "post_likes", primary_key=True),
        _created_at(),
        sa.PrimaryKeyConstraint("post_id", "user_id", name="pk_post_likes"),
    )
    op.create_index("ix_post_likes_user_id", "post_likes", ["user_id"])

    op.create_table(
        "comments",
        _id(),
        _fk("post_id", "posts.id", "CASCADE", "comments", nullable=True),
        _fk("task_id", "tasks.id", "CASCADE", "comments", nullable=True),
        _fk("author_id", "users.id", "RESTRICT", "comments"),
        sa.Column("body", sa.Text(), nullable=False),
        _created_at(),
        _updated_at(),
        sa.PrimaryKeyConstraint("id", name="pk_comments"),
        sa.CheckConstraint(
            "(post_id IS NULL) <> (task_id IS NULL)", name="ck_comments_on_post_or_task"
        ),
    )
    op.create_index("ix_comments_post_id_id", "comments", ["post_id", "id"])
    op.create_index("ix_comments_task_id_id", "comments", ["task_id", "id"])


def _create_notifications_and_events() -> None:
    op.create_table(
        "notifications",
        _id(),
        _fk("user_id", "users.id", "CASCADE", "notifications"),
        sa.Column("kind", sa.String(40), nullable=False),
        _fk("actor_id", "users.id", "SET NULL", "notifications", nullable=True),
        sa.Column("subject_type", sa.String(16), nullable=False),
        sa.Column("subject_id", BigId, nullable=False),
        sa.Column("text", sa.String(500), nullable=False),
        sa.Column("read", sa.Boolean(), nullable=False),
        _created_at(),
        sa.PrimaryKeyConstraint("id", name="pk_notifications"),
    )
    op.create_index(
        "ix_notifications_inbox", "notifications", ["user_id", "read", "created_at", "id"]
    )

    op.create_table(
        "events",
        sa.Column("seq", BigId, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(40), nullable=False),
        _fk("actor_id", "users.id", "SET NULL", "events", nullable=True),
        sa.Column("subject_type", sa.String(16), nullable=False),
        sa.Column("subject_id", BigId, nullable=False),
        sa.Column("scope_type", sa.String(16), nullable=False),
        sa.Column("scope_id", BigId, nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("envelope", sa.JSON(), nullable=False),
        sa.Column("occurred_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_events"),
    )
    op.create_index("ix_events_scope", "events", ["scope_type", "scope_id"])
    op.create_index("ix_events_kind_seq", "events", ["kind", "seq"])


def upgrade() -> None:
    _create_tasks()
    _create_posts()
    _create_notifications_and_events()


def downgrade() -> None:
    for table in (
        "events",
        "notifications",
        "comments",
        "post_likes",
        "post_recipients",
        "posts",
        "task_crm_links",
        "checklist_items",
        "task_tags",
        "task_members",
        "tasks",
    ):
        op.drop_table(table)
