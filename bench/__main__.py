"""`make bench`: the benchmarks of DESIGN.md §7 (not built yet, see issue #7)."""

import sys

print("crmhub bench: no benchmark yet; the benchmark issue (#7) builds them.")
sys.exit(0)
