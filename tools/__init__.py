"""Repository checks that `make lint` and .ci/run call."""
