"""The Node clients of tests/clients/node: node and npm found (their absence skips the test,
or fails it under CI=true), and the packages of its lock file installed with ``npm ci``
whenever one of them is missing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

NODE_CLIENTS = Path(__file__).resolve().parent / "node"
NPM_CI_SECONDS = 300


def require_tool(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{tool} is not installed")
        pytest.skip(f"{tool} is not installed")
    return path


def node_clients() -> Path:
    """The folder of the Node clients, its packages installed; returns it."""
    require_tool("node")
    npm = require_tool("npm")
    declared = json.loads((NODE_CLIENTS / "package.json").read_text())["dependencies"]
    if not all((NODE_CLIENTS / "node_modules" / name).exists() for name in declared):
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"],
            cwd=NODE_CLIENTS,
            check=True,
            timeout=NPM_CI_SECONDS,
        )
    return NODE_CLIENTS
