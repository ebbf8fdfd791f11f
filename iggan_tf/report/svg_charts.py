"""Line charts as inline SVG text: training curves drawn without a plotting library, so that the report needs
nothing a browser does not have and the package needs no extra dependency."""

import html

import numpy as np

# Distinct on white, in the order curves are drawn (Tableau 10).
COLORS = ("#4e79a7", "#e15759", "#59a14f", "#f28e2b", "#b07aa1", "#76b7b2", "#edc948", "#9c755f")
WIDTH, HEIGHT = 460, 250
_LEFT, _RIGHT, _TOP, _BOTTOM = 58, 14, 44, 34
# More points than this per curve are averaged in consecutive bins: a long run stays a small file.
MAX_POINTS = 500


def nice_ticks(low: float, high: float, count: int = 5) -> np.ndarray:
    """Round tick values (1, 2 or 5 times a power of ten apart) covering [low, high] with about `count` ticks."""
    span = high - low
    raw_step = span / max(count, 1)
    magnitude = 10.0 ** np.floor(np.log10(raw_step))
    step = magnitude * next(factor for factor in (1, 2, 5, 10) if factor * magnitude >= raw_step)
    first = np.ceil(low / step - 1e-9) * step
    return np.arange(first, high + step * 1e-9, step)


def binned(steps: np.ndarray, values: np.ndarray, max_points: int = MAX_POINTS):
    """(steps, values) with non-finite values dropped, averaged in consecutive bins to at most max_points."""
    finite = np.isfinite(values)
    steps, values = np.asarray(steps, np.float64)[finite], np.asarray(values, np.float64)[finite]
    if len(values) <= max_points:
        return steps, values
    bins = np.array_split(np.arange(len(values)), max_points)
    return (np.array([steps[indices].mean() for indices in bins]),
            np.array([values[indices].mean() for indices in bins]))


def _padded_range(low: float, high: float) -> tuple[float, float]:
    if high > low:
        return low, high
    half = max(abs(low) * 0.1, 0.5)  # one constant value: centre it
    return low - half, high + half


def line_chart(title: str, series: dict) -> str:
    """An <svg> element: one polyline per entry of `series` {label: (steps [T], values [T])}, over shared axes
    with round ticks, a legend and a title; each line carries data-label and data-points (its vertex count).
    Non-finite values are left out; ValueError when no series has a finite value."""
    curves = {label: binned(*curve) for label, curve in series.items()}
    curves = {label: curve for label, curve in curves.items() if len(curve[0])}
    if not curves:
        raise ValueError(f"chart {title!r} has no finite values to draw")
    all_steps = np.concatenate([steps for steps, _ in curves.values()])
    all_values = np.concatenate([values for _, values in curves.values()])
    x_low, x_high = _padded_range(all_steps.min(), all_steps.max())
    y_low, y_high = _padded_range(all_values.min(), all_values.max())
    plot_width, plot_height = WIDTH - _LEFT - _RIGHT, HEIGHT - _TOP - _BOTTOM

    def x(step):
        return _LEFT + (step - x_low) / (x_high - x_low) * plot_width

    def y(value):
        return _TOP + (y_high - value) / (y_high - y_low) * plot_height

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{html.escape(title)}">',
        f'<text x="{_LEFT}" y="16" class="chart-title">{html.escape(title)}</text>',
        f'<rect x="{_LEFT}" y="{_TOP}" width="{plot_width}" height="{plot_height}" class="plot-area"/>',
    ]
    for tick in nice_ticks(y_low, y_high):
        parts.append(f'<line x1="{_LEFT}" x2="{_LEFT + plot_width}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
                     'class="grid"/>')
        parts.append(f'<text x="{_LEFT - 5}" y="{y(tick) + 4:.1f}" class="tick" text-anchor="end">{tick:.3g}</text>')
    for tick in nice_ticks(x_low, x_high):
        parts.append(f'<text x="{x(tick):.1f}" y="{_TOP + plot_height + 16}" class="tick" '
                     f'text-anchor="middle">{tick:.6g}</text>')
    parts.append(f'<text x="{_LEFT + plot_width}" y="{HEIGHT - 3}" class="tick" text-anchor="end">step</text>')
    legend_x = _LEFT
    for index, (label, (steps, values)) in enumerate(curves.items()):
        color = COLORS[index % len(COLORS)]
        points = " ".join(f"{x(step):.1f},{y(value):.1f}" for step, value in zip(steps, values))
        parts.append(f'<polyline points="{points}" fill="none" stroke="{color}" stroke-width="1.5" '
                     f'data-label="{html.escape(label)}" data-points="{len(steps)}"/>')
        if len(steps) == 1:  # a single point draws no line
            parts.append(f'<circle cx="{x(steps[0]):.1f}" cy="{y(values[0]):.1f}" r="3" fill="{color}"/>')
        parts.append(f'<rect x="{legend_x}" y="25" width="12" height="4" fill="{color}"/>')
        parts.append(f'<text x="{legend_x + 16}" y="31" class="legend">{html.escape(label)}</text>')
        legend_x += 24 + 7 * len(label)
    parts.append("</svg>")
    return "\n".join(parts)
