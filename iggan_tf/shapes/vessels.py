"""Hollow vessels with an open top: vases (revolved free-form profiles) and mugs (with a handle).

Built in metres, floor at y = 0, axis along +y; a mug's handle points to +x, so the front view (+z) shows
it in profile. Walls and floor have real thickness, so the voxelized cavity stays open.
"""

import numpy as np

from iggan_tf.shapes import parts


def build_vase(rng: np.random.Generator):
    """A vase whose silhouette (foot, belly, neck, lip), wall thickness and handles are drawn from `rng`."""
    height = rng.uniform(0.25, 0.6)
    belly = rng.uniform(0.07, 0.16)
    neck = belly * rng.uniform(0.35, 0.9)
    foot = belly * rng.uniform(0.4, 0.9)
    lip = neck * rng.uniform(1.0, 1.6)
    belly_at = rng.uniform(0.25, 0.6)
    neck_at = rng.uniform(max(belly_at + 0.15, 0.7), 0.92)
    control = [(foot, 0.0), ((foot + belly) / 2, belly_at * 0.5), (belly, belly_at), (neck, neck_at), (lip, 1.0)]
    outer = _smooth_profile(np.array(control) * (1.0, height))
    wall = max(0.1 * belly * rng.uniform(0.8, 1.2), 0.008)
    outer[:, 0] = np.maximum(outer[:, 0], 2.5 * wall)
    floor = wall * 1.5
    inner = outer[outer[:, 1] > floor][::-1] - (wall, 0.0)
    profile = np.vstack([[(0.0, 0.0)], outer, inner, [(inner[-1, 0], floor), (0.0, floor)]])
    pieces = [parts.revolved(profile)]
    if rng.random() < 0.3:
        for sx in (-1, 1):
            pieces += _handle(
                sx,
                _radius_at(outer, height * neck_at),
                height * neck_at,
                _radius_at(outer, height * (belly_at + neck_at) / 2),
                height * (belly_at + neck_at) / 2,
                reach=belly * 0.5,
                bar=wall * 0.9,
            )
    return parts.assemble(pieces)


def build_mug(rng: np.random.Generator):
    """A mug, straight or tapered, with a handle on +x and sometimes a saucer."""
    radius = rng.uniform(0.035, 0.055)
    height = radius * rng.uniform(1.4, 2.6)
    taper = rng.uniform(0.75, 1.0)
    wall = radius * rng.uniform(0.1, 0.14)
    floor = wall * 1.3
    bottom_radius = radius * taper
    profile = [
        (0.0, 0.0),
        (bottom_radius, 0.0),
        (radius, height),
        (radius - wall, height),
        (bottom_radius - wall, floor),
        (0.0, floor),
    ]
    pieces = [parts.revolved(profile)]
    top_at, bottom_at = height * rng.uniform(0.75, 0.88), height * rng.uniform(0.15, 0.35)
    reach = radius * rng.uniform(0.5, 0.9)
    pieces += _handle(
        1,
        _cone_radius(bottom_radius, radius, height, top_at) - wall / 2,
        top_at,
        _cone_radius(bottom_radius, radius, height, bottom_at) - wall / 2,
        bottom_at,
        reach,
        bar=wall * 0.9,
    )
    if rng.random() < 0.3:
        saucer = radius * rng.uniform(1.6, 2.0)
        lift = wall * 1.2
        pieces = [piece.apply_translation((0.0, lift, 0.0)) for piece in pieces]
        pieces.append(
            parts.revolved(
                [
                    (0.0, 0.0),
                    (saucer * 0.6, 0.0),
                    (saucer, lift * 1.8),
                    (saucer * 0.9, lift * 1.8),
                    (saucer * 0.6, lift),
                    (0.0, lift),
                ]
            )
        )
    return parts.assemble(pieces)


def _handle(side, top_radius, top_y, bottom_radius, bottom_y, reach, bar):
    """A D-shaped loop of round bar on the `side` (+1 or -1) of x, from the body at `top_y` down to `bottom_y`."""
    angles = np.linspace(-np.pi / 2, np.pi / 2, 9)
    middle = (top_y + bottom_y) / 2
    half = (top_y - bottom_y) / 2
    points = [
        (
            side * (bottom_radius + (top_radius - bottom_radius) * (np.sin(a) + 1) / 2 + reach * np.cos(a)),
            middle + half * np.sin(a),
            0.0,
        )
        for a in angles
    ]
    pieces = [parts.rod(points[i], points[i + 1], bar) for i in range(len(points) - 1)]
    return pieces + [parts.ball(point, bar) for point in points[1:-1]]


def _cone_radius(bottom_radius, top_radius, height, y):
    return bottom_radius + (top_radius - bottom_radius) * y / height


def _radius_at(profile, y):
    return float(np.interp(y, profile[:, 1], profile[:, 0]))


def _smooth_profile(control, samples_per_span: int = 6) -> np.ndarray:
    """Smooth (radius, height) curve through control points with increasing heights.

    Radii follow a Catmull-Rom spline; heights run linearly within each span, so the curve never folds
    back on itself (a fold would make the revolved wall self-intersect).
    """
    radii = np.concatenate([[2 * control[0, 0] - control[1, 0]], control[:, 0], [2 * control[-1, 0] - control[-2, 0]]])
    curve = []
    for index in range(len(control) - 1):
        r0, r1, r2, r3 = radii[index : index + 4]
        for t in np.linspace(0.0, 1.0, samples_per_span, endpoint=False):
            radius = 0.5 * (
                2 * r1 + (r2 - r0) * t + (2 * r0 - 5 * r1 + 4 * r2 - r3) * t**2 + (3 * r1 - r0 - 3 * r2 + r3) * t**3
            )
            curve.append((radius, control[index, 1] + t * (control[index + 1, 1] - control[index, 1])))
    curve.append(tuple(control[-1]))
    return np.array(curve)
