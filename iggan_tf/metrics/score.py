"""The common record behind every evaluation score: a frozen dataclass that knows its metric name and
round-trips through plain JSON dicts, so `eval.json` carries each value together with the sample counts
and settings it was computed with."""

import dataclasses
import typing

import numpy as np


@dataclasses.dataclass(frozen=True)
class Score:
    """Base class; subclasses add fields and set the class variable `metric`."""

    metric: typing.ClassVar[str] = ""

    def to_dict(self) -> dict:
        """Plain Python types only (numpy scalars converted), with the metric name under "metric"."""
        fields = {
            field.name: _plain(getattr(self, field.name)) for field in dataclasses.fields(self)
        }
        return {"metric": self.metric, **fields}

    @classmethod
    def from_dict(cls, record: dict) -> "Score":
        """Inverse of `to_dict`; raises ValueError for a record of another metric or missing fields."""
        if record.get("metric") != cls.metric:
            raise ValueError(f"record is a {record.get('metric')!r} score, expected {cls.metric!r}")
        names = [field.name for field in dataclasses.fields(cls)]
        missing = [name for name in names if name not in record]
        if missing:
            raise ValueError(f"record lacks the fields {missing} of a {cls.metric!r} score")
        return cls(**{name: record[name] for name in names})


def _plain(value):
    if isinstance(value, np.generic):
        return value.item()
    return value
