"""The structural check of the deployment files: it passes on the repository's and names
what a broken one lacks."""

from __future__ import annotations

from pathlib import Path

import yaml

from tools.check_deploy import compose_problems, dockerfile_problems

REPO = Path(__file__).resolve().parents[2]


def test_the_repositorys_deployment_files_hold() -> None:
    assert dockerfile_problems((REPO / "Dockerfile").read_text()) == []
    assert compose_problems(yaml.safe_load((REPO / "compose.yaml").read_text())) == []


def test_a_root_image_without_health_check_is_named() -> None:
    problems = dockerfile_problems("FROM python:3.11\nRUN pip install -r requirements.txt\n")
    assert len(problems) == 4
    assert any("non-root" in problem for problem in problems)
    assert any("HEALTHCHECK" in problem for problem in problems)


def test_a_compose_file_with_one_app_on_sqlite_is_named() -> None:
    compose = {
        "services": {
            "postgres": {},
            "redis": {},
            "app1": {"environment": {"CRMHUB_DATABASE_URL": "sqlite+aiosqlite:///x.db"}},
        }
    }
    problems = compose_problems(compose)
    assert "compose.yaml: no app2 service" in problems
    assert "compose.yaml: app1 is not on PostgreSQL" in problems
    assert "compose.yaml: app1 has no CRMHUB_SECRET" in problems
