"""Reports over nothing: no record matches, so every average and median is null, not a crash."""

from __future__ import annotations

from tests.client import GraphQLClient

TIMING = "averageSeconds medianSeconds count excluded"


async def test_lead_report_of_no_lead(admin: GraphQLClient) -> None:
    report = await admin.data(
        f"{{ leadReport {{ count converted conversionRate timeToConversion {{ {TIMING} }} }} }}"
    )
    assert report["leadReport"] == [
        {
            "count": 0,
            "converted": 0,
            "conversionRate": None,
            "timeToConversion": {
                "averageSeconds": None,
                "medianSeconds": None,
                "count": 0,
                "excluded": 0,
            },
        }
    ]


async def test_deal_report_of_no_deal(admin: GraphQLClient) -> None:
    report = await admin.data(
        f"{{ dealReport {{ groups {{ count won lost winRate cycleTime {{ {TIMING} }} }} }} }}"
    )
    assert report["dealReport"]["groups"] == [
        {
            "count": 0,
            "won": 0,
            "lost": 0,
            "winRate": None,
            "cycleTime": {"averageSeconds": None, "medianSeconds": None, "count": 0, "excluded": 0},
        }
    ]


async def test_funnel_of_no_deal(admin: GraphQLClient) -> None:
    funnel = (
        await admin.data(
            "{ funnel { deals won stages { reached conversionToNext conversionToWon } } }"
        )
    )["funnel"]
    assert funnel["deals"] == funnel["won"] == 0
    assert funnel["stages"]
    for stage in funnel["stages"]:
        assert stage == {"reached": 0, "conversionToNext": None, "conversionToWon": None}


async def test_pulse_of_an_empty_window(admin: GraphQLClient) -> None:
    pulse = await admin.data(
        """{ pulse(groupBy: [], from: "2001-01-01T00:00:00Z", to: "2001-01-02T00:00:00Z") {
          groups { tasksCreated posts dealsWon } dealsWonExcluded } }"""
    )
    assert pulse["pulse"]["dealsWonExcluded"] == 0
    assert all(
        group == {"tasksCreated": 0, "posts": 0, "dealsWon": 0}
        for group in pulse["pulse"]["groups"]
    )
