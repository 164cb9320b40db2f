"""Attachment tests keep their files in a directory of their own (a local store)."""

from __future__ import annotations

from pathlib import Path

import pytest

from crmhub.settings import Settings


@pytest.fixture
def store_root(tmp_path: Path) -> Path:
    return tmp_path / "files"


@pytest.fixture
def settings(settings: Settings, store_root: Path) -> Settings:
    return settings.model_copy(update={"storage_url": store_root.as_uri()})
