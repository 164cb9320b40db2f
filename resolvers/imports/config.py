"""How imports run in this process (set from the settings by the app)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class ImportConfig:
    # The largest file an import takes (the upload limit bounds it too).
    max_bytes: int = 25 * 1024 * 1024
    # Rows per transaction: progress is committed, and the job's lease renewed, per batch.
    batch_rows: int = 100
    # How long a worker holds a job without renewing it; then another may take it over.
    lease_seconds: float = 30.0
    # Takes of a job whose worker died before it is given up (FAILED).
    max_attempts: int = 3
    # Wakes this process's worker when a job is queued; None where no worker runs.
    wake: Callable[[], None] | None = field(default=None, repr=False)
