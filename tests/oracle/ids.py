"""Where a loaded population's rows are: the database ids of its indexes."""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.crm.api import global_id
from tests.oracle.domain import Entity

TYPE_NAMES = {
    Entity.LEAD: "Lead",
    Entity.CONTACT: "Contact",
    Entity.COMPANY: "Company",
    Entity.DEAL: "Deal",
}


@dataclass
class Loaded:
    ids: dict[str, list[int]] = field(default_factory=dict)
    lead_statuses: list[int] = field(default_factory=list)
    stages: dict[tuple[int, int], int] = field(default_factory=dict)
    pipelines: list[int] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)
    # subject ("POST", index) → event seq
    events: dict[tuple[str, int], int] = field(default_factory=dict)
    task_comments: list[list[int]] = field(default_factory=list)
    post_comments: list[list[int]] = field(default_factory=list)
    # user → notification ids, subject per notification id
    notifications: dict[int, list[int]] = field(default_factory=dict)

    def gid(self, entity: Entity, index: int) -> str:
        return global_id(TYPE_NAMES[entity], self.ids[entity.value][index])

    def index_of(self, entity: Entity, global_ids: list[str]) -> list[int]:
        """Population indexes of these global ids (-1 for an id outside the population)."""
        by_gid = {self.gid(entity, i): i for i in range(len(self.ids[entity.value]))}
        return [by_gid.get(gid, -1) for gid in global_ids]

    def stage_gid(self, stage: tuple[int, int]) -> str:
        return global_id("DealStage", self.stages[stage])


def status_id(loaded: Loaded, status: int | tuple[int, int]) -> int:
    """The lead status (an index) or deal stage (pipeline, index) id."""
    if isinstance(status, tuple):
        return loaded.stages[status]
    return loaded.lead_statuses[status]
