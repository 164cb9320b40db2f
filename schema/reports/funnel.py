"""GraphQL for the funnel of a pipeline."""

from __future__ import annotations

import strawberry

from resolvers.reports import funnel as funnels
from schema.relay import encode_id


@strawberry.type(description="One working stage of the funnel, in the pipeline's order.")
class FunnelStage:
    stage_id: strawberry.ID = strawberry.field(description="The DealStage.")
    reached: int = strawberry.field(
        description="Deals that were ever in this stage or a later one (won: every one)."
    )
    lost: int = strawberry.field(description="Deals lost after this stage and no later one.")
    conversion_to_next: float | None = strawberry.field(
        description="reached(next stage) / reached; for the last stage: won / reached."
    )
    conversion_to_won: float | None = strawberry.field(
        description="won / reached; null when no deal reached this stage."
    )


@strawberry.type(description="Where the deals of a pipeline have been, over its working stages.")
class Funnel:
    pipeline_id: strawberry.ID = strawberry.field(description="The Pipeline.")
    stages: list[FunnelStage] = strawberry.field(description="In the pipeline's order.")
    deals: int = strawberry.field(description="Deals counted.")
    won: int = strawberry.field(description="Deals counted that are won.")
    lost: int = strawberry.field(description="Deals counted that are lost.")
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
