"""In-class rate: the share of generated renders that the feature network classifies as the class the
generator was trained on (a generated tub should look like a tub, not like a table). A blank render (an empty
shape) is never in class, whatever the network makes of it: the shipped network calls a black image a tub, and a
generator collapsed to empty grids scored 0.93."""

import dataclasses

import numpy as np

from iggan_tf.metrics.score import Score


@dataclasses.dataclass(frozen=True)
class InClassRateScore(Score):
    metric = "in_class_rate"
    value: float
    n_generated: int
    target_class: int
    n_blank: int = 0


def in_class_rate(class_scores, target_class: int, blank=None) -> InClassRateScore:
    """Share of rows of `class_scores` [N, C] (logits or probabilities) whose argmax is `target_class` and which
    `blank` [N] (bool, optional) does not mark as renders of nothing.

    Ties go to the lowest class index (numpy argmax).
    """
    scores = np.asarray(class_scores)
    if scores.ndim != 2 or scores.shape[0] < 1 or scores.shape[1] < 2:
        raise ValueError(f"class_scores must have shape [N, C] with N >= 1 and C >= 2, got {scores.shape}")
    if not np.issubdtype(scores.dtype, np.number) or not np.all(np.isfinite(scores)):
        raise ValueError("class_scores must be finite numbers")
    if isinstance(target_class, bool) or not isinstance(target_class, (int, np.integer)):
        raise ValueError(f"target_class must be an integer class index, got {target_class!r}")
    if not 0 <= target_class < scores.shape[1]:
        raise ValueError(f"target_class must lie in [0, {scores.shape[1]}), got {target_class}")
    blank = np.zeros(scores.shape[0], bool) if blank is None else np.asarray(blank)
    if blank.shape != (scores.shape[0],) or blank.dtype != bool:
        raise ValueError(f"blank must be a bool array of shape [{scores.shape[0]}], got {blank.dtype} {blank.shape}")
    in_class = (np.argmax(scores, axis=1) == target_class) & ~blank
    return InClassRateScore(value=float(np.mean(in_class)), n_generated=scores.shape[0], target_class=int(target_class),
                            n_blank=int(blank.sum()))
