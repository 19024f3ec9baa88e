"""The one result type every task's ``evaluate`` returns."""

from __future__ import annotations

import json
from dataclasses import dataclass, field


@dataclass
class Evaluation:
    """Scores of a model on gold data.

    ``metrics`` holds the numbers (rates as fractions, counts as integers), readable as attributes too
    (``result.f1``); ``report`` is the task's own table when it has one (the SIGHAN scorer's summary lines for
    segmentation), and ``analysis`` an error analysis (the most frequent mistakes). ``predictions`` keeps what
    the model produced, in the order of the gold items; it is not serialised.
    """

    task: str
    metrics: dict[str, float | int]
    report: str = ""
    analysis: str = ""
    predictions: list = field(default_factory=list, repr=False)

    def __getattr__(self, name: str):
        metrics = self.__dict__.get("metrics", {})
        if name in metrics:
            return metrics[name]
        raise AttributeError(f"{type(self).__name__} of a {self.__dict__.get('task')!r} model has no {name!r}; "
                             f"its metrics are {', '.join(metrics)}")

    def table(self) -> str:
        """The task's own report, else one line a metric."""
        if self.report:
            return self.report
        width = max(map(len, self.metrics), default=0)
        return "\n".join(f"{name:<{width}}  {format_value(value)}" for name, value in self.metrics.items())

    def as_dict(self) -> dict:
        return {"task": self.task, "metrics": dict(self.metrics)}

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Evaluation:
        data = json.loads(text)
        return cls(data["task"], data["metrics"])


def format_value(value: float | int) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:.4f}"
