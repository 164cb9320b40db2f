"""Whether reads are compiled, and what a comparison with the resolvers found."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class CompiledReadsMode(enum.Enum):
    # Compiled reads answer where they can; the resolvers answer the rest.
    ON = "on"
    OFF = "off"
    # The resolvers answer everything; each read the compiler can answer is compiled too and
    # the two answers compared (the test suite runs so, on both backends).
    VERIFY = "verify"


@dataclass
class CompiledReadsConfig:
    mode: CompiledReadsMode = CompiledReadsMode.ON
    # VERIFY: how many reads were compared, and those whose compiled answer differed from
    # the resolvers'.
    compared: int = 0
    mismatches: list[str] = field(default_factory=list)
