"""The dictionaries a fresh database starts with, so the API is usable right after migrating.

Written with lightweight ``table()`` definitions of just the columns they fill, not with the
ORM tables, so that migration 0002 keeps working when later migrations add columns.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Connection, Integer, String, column, insert, select, table

from models.crm.common import Semantics

PROCESS, SUCCESS, FAILURE = (
    Semantics.PROCESS.value,
    Semantics.SUCCESS.value,
    Semantics.FAILURE.value,
)

LEAD_STATUSES = [
    ("New", PROCESS),
    ("In process", PROCESS),
    ("Processed", PROCESS),
    ("Converted", SUCCESS),
    ("Junk", FAILURE),
]
LEAD_SOURCES = ["Call", "E-mail", "Web site", "Advertising", "Partner", "Other"]
DEFAULT_PIPELINE = "Sales"
DEAL_STAGES = [
    ("New", PROCESS),
    ("Preparation", PROCESS),
    ("Proposal", PROCESS),
    ("Negotiation", PROCESS),
    ("Won", SUCCESS),
    ("Lost", FAILURE),
]

_statuses = table(
    "crm_lead_statuses",
    column("id", Integer),
    column("name", String),
    column("sort", Integer),
    column("semantics", String),
)
_sources = table("crm_lead_sources", column("name", String), column("sort", Integer))
_pipelines = table(
    "crm_pipelines",
    column("id", Integer),
    column("name", String),
    column("sort", Integer),
    column("is_default", Boolean),
)
_stages = table(
    "crm_deal_stages",
    column("pipeline_id", Integer),
    column("name", String),
    column("sort", Integer),
    column("semantics", String),
)


def seed_default_dictionaries(connection: Connection) -> None:
    """Lead statuses, lead sources and the default pipeline with its stages."""
    connection.execute(
        insert(_statuses),
        [
            {"name": name, "sort": (index + 1) * 10, "semantics": semantics}
            for index, (name, semantics) in enumerate(LEAD_STATUSES)
        ],
    )
    connection.execute(
        insert(_sources),
        [{"name": name, "sort": (index + 1) * 10} for index, name in enumerate(LEAD_SOURCES)],
    )
    connection.execute(insert(_pipelines).values(name=DEFAULT_PIPELINE, sort=10, is_default=True))
    pipeline_id = connection.execute(
        select(_pipelines.c.id).where(_pipelines.c.is_default.is_(True))
    ).scalar_one()
    connection.execute(
        insert(_stages),
        [
            {"pipeline_id": pipeline_id, "name": name, "sort": (index + 1) * 10, "semantics": sem}
            for index, (name, sem) in enumerate(DEAL_STAGES)
        ],
    )
