"""Figures read from a ``/metrics`` page (Prometheus text format)."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families


class Scrape:
    def __init__(self, text: str) -> None:
        self.samples = [
            (sample.name, sample.labels, sample.value)
            for family in text_string_to_metric_families(text)
            for sample in family.samples
        ]

    def value(self, metric: str, /, **labels: str) -> float:
        """The sum of the samples named ``metric`` whose labels include ``labels``."""
        return sum(
            value
            for name, sample_labels, value in self.samples
            if name == metric and labels.items() <= sample_labels.items()
        )

    def names(self) -> set[str]:
        return {name for name, _, _ in self.samples}
