"""The settings' defaults are the limits a schema built without settings holds."""

from __future__ import annotations

from crmhub.app import query_limits
from crmhub.settings import Settings
from schema import QueryLimits


def test_the_default_settings_give_the_default_limits() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert query_limits(settings) == QueryLimits()
