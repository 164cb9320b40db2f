"""GraphQL for the funnel of a pipeline."""

from __future__ import annotations

import strawberry

from resolvers.reports import funnel as funnels
from schema.relay import encode_id


@strawberry.type
class FunnelStage:
    stage_id: strawberry.ID
    reached: int = strawberry.field(
        description="Deals that were ever in this stage or a later one (won: every one)."
    )
    lost: int = strawberry.field(description="Deals lost after this stage and no later one.")
    conversion_to_next: float | None = strawberry.field(
        description="reached(next stage) / reached; for the last stage: won / reached."
    )
    conversion_to_won: float | None


@strawberry.type(description="Where the deals of a pipeline have been, over its working stages.")
class Funnel:
    pipeline_id: strawberry.ID
    stages: list[FunnelStage]
    deals: int
    won: int
    lost: int
    excluded: int = strawberry.field(
        description="Deals you may read but not their stage: left out of every figure."
    )
    unreadable_stage_ids: list[strawberry.ID] = strawberry.field(
        description="Stages of the pipeline in which you may read no deal: not counted."
    )

    @classmethod
    def of(cls, funnel: funnels.Funnel) -> Funnel:
        return cls(
            pipeline_id=encode_id("Pipeline", funnel.pipeline_id),
            stages=[
                FunnelStage(
                    stage_id=encode_id("DealStage", stage.stage_id),
                    reached=stage.reached,
                    lost=stage.lost,
                    conversion_to_next=stage.conversion_to_next,
                    conversion_to_won=stage.conversion_to_won,
                )
                for stage in funnel.stages
            ],
            deals=funnel.deals,
            won=funnel.won,
            lost=funnel.lost,
            excluded=funnel.excluded,
            unreadable_stage_ids=[encode_id("DealStage", pk) for pk in funnel.unreadable_stage_ids],
        )
