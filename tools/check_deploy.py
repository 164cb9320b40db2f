"""Structural checks of the Dockerfile and compose.yaml, for machines without a Docker daemon.

usage: python tools/check_deploy.py [REPO]   exit status 1 on the first list of problems.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import yaml

APP_SERVICES = ("app1", "app2")


def dockerfile_problems(text: str) -> list[str]:
    problems = []
    bases = re.findall(r"^FROM\s+(\S+)", text, re.MULTILINE)
    if not bases or not bases[-1].endswith("-slim"):
        problems.append("Dockerfile: the final image is not a -slim one")
    users = re.findall(r"^USER\s+(\S+)", text, re.MULTILINE)
    if not users or users[-1].split(":")[0] in ("root", "0"):
        problems.append("Dockerfile: the app does not run as a non-root USER")
    if not re.search(r"^HEALTHCHECK\b(?:.|\\\n)*?/healthz", text, re.MULTILINE):
        problems.append("Dockerfile: no HEALTHCHECK on /healthz")
    if "--require-hashes -r requirements.lock" not in text:
        problems.append("Dockerfile: dependencies are not installed from requirements.lock")
    return problems


def compose_problems(compose: dict[str, Any]) -> list[str]:
    services = compose.get("services", {})
    problems = [
        f"compose.yaml: no {name} service"
        for name in ("postgres", "redis", *APP_SERVICES)
        if name not in services
    ]
    for name in APP_SERVICES:
        environment = services.get(name, {}).get("environment", {})
        if not str(environment.get("CRMHUB_DATABASE_URL", "")).startswith("postgresql+asyncpg"):
            problems.append(f"compose.yaml: {name} is not on PostgreSQL")
        if not str(environment.get("CRMHUB_BROADCAST_URL", "")).startswith("redis://"):
            problems.append(f"compose.yaml: {name} is not on Redis")
        if "CRMHUB_SECRET" not in environment:
            problems.append(f"compose.yaml: {name} has no CRMHUB_SECRET")
    return problems


def main(argv: list[str]) -> int:
    repo = Path(argv[1] if len(argv) > 1 else Path(__file__).resolve().parent.parent)
    problems = dockerfile_problems((repo / "Dockerfile").read_text())
    problems += compose_problems(yaml.safe_load((repo / "compose.yaml").read_text()))
    for problem in problems:
        print(problem)
    if not problems:
        print("Dockerfile and compose.yaml hold")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
