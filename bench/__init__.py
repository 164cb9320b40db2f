"""Benchmarks of DESIGN.md §7, run by ``make bench`` (``python -m bench``); see
docs/performance.md."""
