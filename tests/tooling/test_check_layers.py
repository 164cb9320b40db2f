"""The repository's own layer check: it passes on this tree and fails on a crossing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CHECK = REPO / "tools" / "check_layers.py"


def _run(repo: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(CHECK), str(repo)], capture_output=True, text=True, timeout=60
    )


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in {"crmhub/__init__.py": "", **files}.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def test_the_repository_holds_its_layers() -> None:
    result = _run(REPO)
    assert result.returncode == 0, result.stdout
    assert "CROSSED" not in result.stdout


def test_a_model_importing_a_resolver_fails_the_check(tmp_path: Path) -> None:
    repo = _tree(tmp_path, {"models/user.py": "import json\n\nfrom resolvers.x import y\n"})
    result = _run(repo)
    assert result.returncode == 1
    assert "CROSSED models/user.py:3: models/ imports resolvers/" in result.stdout


def test_subscriptions_may_not_import_resolvers(tmp_path: Path) -> None:
    repo = _tree(tmp_path, {"subscriptions/hub.py": "import resolvers.context\n"})
    assert _run(repo).returncode == 1


def test_notes_do_not_fail_the_check(tmp_path: Path) -> None:
    repo = _tree(
        tmp_path,
        {"schema/types.py": "import sqlalchemy\n", "resolvers/big.py": "x = 1\n" * 450},
    )
    result = _run(repo)
    assert result.returncode == 0
    assert "NOTE    schema/types.py:1: SQL in schema/" in result.stdout
    assert "resolvers/big.py: 451 lines" in result.stdout


def test_a_module_that_does_not_parse_fails_the_check(tmp_path: Path) -> None:
    result = _run(_tree(tmp_path, {"auth/broken.py": "def (:\n"}))
    assert result.returncode == 1
    assert "auth/broken.py: does not parse" in result.stdout
