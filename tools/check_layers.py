"""The layer check: which package may import which (DESIGN.md, "Layers").

usage: python tools/check_layers.py [REPO]   (default: the repository holding this script)

A package imports only the layers below it; ``crmhub/`` wires them all. Exit status 1 when
an import crosses a layer or a file does not parse. Long modules, GraphQL outside ``schema/``
and ``crmhub/``, and SQL in ``schema/`` are printed as notes, which do not fail the check.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

LAYERS = ("models", "auth", "subscriptions", "resolvers", "schema", "crmhub")
# What each package may import, itself included.
ALLOWED: dict[str, frozenset[str]] = {
    "models": frozenset({"models"}),
    "auth": frozenset({"models", "auth"}),
    "subscriptions": frozenset({"models", "auth", "subscriptions"}),
    "resolvers": frozenset({"models", "auth", "subscriptions", "resolvers"}),
    "schema": frozenset({"models", "auth", "subscriptions", "resolvers", "schema"}),
    "crmhub": frozenset({*LAYERS, "migrations"}),
    "migrations": frozenset({"models", "crmhub", "migrations"}),
}
GRAPHQL_LAYERS = frozenset({"schema", "crmhub"})
MAX_LINES = 400


def imported_packages(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """(line, top-level package) of every absolute import in a module."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module.split(".")[0]


def check_module(repo: Path, layer: str, path: Path) -> tuple[list[str], list[str]]:
    """The crossings and the notes of one module."""
    where = path.relative_to(repo)
    text = path.read_text(encoding="utf-8", errors="replace")
    notes: list[str] = []
    lines = text.count("\n") + 1
    if lines > MAX_LINES:
        notes.append(f"{where}: {lines} lines (split it by aggregate or concern)")
    try:
        tree = ast.parse(text)
    except SyntaxError as error:
        return [f"{where}: does not parse ({error.msg})"], notes
    crossed: list[str] = []
    for line, package in imported_packages(tree):
        if package in ALLOWED and package not in ALLOWED[layer]:
            crossed.append(f"{where}:{line}: {layer}/ imports {package}/")
        if package == "strawberry" and layer not in GRAPHQL_LAYERS:
            notes.append(f"{where}:{line}: GraphQL (strawberry) outside schema/ in {layer}/")
        if package == "sqlalchemy" and layer == "schema":
            notes.append(f"{where}:{line}: SQL in schema/: it belongs in resolvers/")
    return crossed, notes


def check(repo: Path) -> tuple[list[str], list[str]]:
    crossed: list[str] = []
    notes: list[str] = []
    for layer in ALLOWED:
        for path in sorted((repo / layer).rglob("*.py")):
            module_crossed, module_notes = check_module(repo, layer, path)
            crossed += module_crossed
            notes += module_notes
    return crossed, notes


def main(argv: list[str]) -> int:
    repo = Path(argv[1] if len(argv) > 1 else Path(__file__).resolve().parent.parent).resolve()
    if not (repo / "crmhub").is_dir():
        print(f"check_layers: {repo} is not a crmhub checkout", file=sys.stderr)
        return 2
    crossed, notes = check(repo)
    for line in crossed:
        print("CROSSED", line)
    for line in notes:
        print("NOTE   ", line)
    if not crossed and not notes:
        print("layers hold")
    return 1 if crossed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
