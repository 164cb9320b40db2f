"""The served schema as SDL text: what `make schema` writes to schema.graphql.

The SDL does not depend on settings (limits bound operations, not types), so the schema
built with the defaults prints what every process serves.
"""

from __future__ import annotations

from pathlib import Path

from schema import build_schema

# Committed at the repository root, so that every API change shows in review.
SDL_FILE = Path(__file__).resolve().parents[1] / "schema.graphql"


def served_sdl() -> str:
    """The schema's SDL, types in alphabetical order, ending with a newline."""
    return build_schema().as_str() + "\n"
