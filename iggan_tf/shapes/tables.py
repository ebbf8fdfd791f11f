"""The table family: dining, coffee and bar tables with rectangular, round or oval tops.

Built in metres, floor at y = 0, the long side facing +z. Supports are four legs (with or without apron
and stretchers), a pedestal, trestles or solid end panels; low tables may get a lower shelf.
"""

import numpy as np

from iggan_tf.shapes import parts

SUPPORT_STYLES = ("legs", "pedestal", "trestle", "panels")


def build_table(rng: np.random.Generator):
    """A table whose top shape, height class and support style are drawn from `rng`."""
    kind = rng.choice(("dining", "coffee", "bar"), p=(0.55, 0.3, 0.15))
    height = {"dining": rng.uniform(0.7, 0.78), "coffee": rng.uniform(0.35, 0.5), "bar": rng.uniform(0.95, 1.05)}[kind]
    top_shape = rng.choice(("rectangle", "round", "oval"), p=(0.55, 0.25, 0.2))
    if top_shape == "round":
        length = width = rng.uniform(0.7, 1.3)
    else:
        length = rng.uniform(0.9, 2.0) if kind == "dining" else rng.uniform(0.7, 1.3)
        width = length * rng.uniform(0.4, 0.75)
    thickness = rng.uniform(0.03, 0.07)
    top_bottom = height - thickness
    if top_shape == "rectangle":
        top = parts.box((-length / 2, top_bottom, -width / 2), (length / 2, height, width / 2))
    else:
        top = parts.disc(0.5, top_bottom, height, sections=40)
        top.apply_scale((length, 1.0, width))
    pieces = [top]
    style = rng.choice(SUPPORT_STYLES, p=(0.45, 0.2, 0.2, 0.15))
    if top_shape == "round" and style in ("trestle", "panels"):
        style = "pedestal"
    # Legs and panels stay under the top; round and oval tops need them further in.
    reach = 0.5 if top_shape == "rectangle" else 0.35
    if style == "legs":
        pieces += _legs(rng, length * reach, width * reach, top_bottom, kind)
    elif style == "pedestal":
        pieces += _pedestal(rng, length, width, top_bottom)
    elif style == "trestle":
        pieces += _trestles(rng, length, width, top_bottom)
    else:
        panel = rng.uniform(0.04, 0.08)
        for sx in (-1, 1):
            x = sx * (length / 2 - panel / 2 - rng.uniform(0.0, 0.1))
            pieces.append(parts.box((x - panel / 2, 0.0, -width / 2), (x + panel / 2, top_bottom, width / 2)))
    if kind == "coffee" and style in ("legs", "panels") and rng.random() < 0.5:
        shelf_height = top_bottom * rng.uniform(0.2, 0.4)
        pieces.append(
            parts.box(
                (-length * reach * 0.95, shelf_height, -width * reach * 0.95),
                (length * reach * 0.95, shelf_height + thickness * 0.8, width * reach * 0.95),
            )
        )
    return parts.assemble(pieces)


def _legs(rng, half_x, half_z, top_bottom, kind):
    leg = rng.uniform(0.04, 0.08)
    inset = rng.uniform(0.02, 0.1)
    x = half_x - inset - leg / 2
    z = half_z - inset - leg / 2
    corners = [(sx * x, sz * z) for sx in (-1, 1) for sz in (-1, 1)]
    taper = rng.uniform(0.4, 1.0) if rng.random() < 0.5 else 1.0
    splay = rng.uniform(0.0, 0.06) if kind != "bar" and rng.random() < 0.3 else 0.0
    pieces = []
    for cx, cz in corners:
        fx, fz = cx + np.sign(cx) * splay, cz + np.sign(cz) * splay
        top_half, foot_half = leg / 2, leg / 2 * taper
        pieces.append(
            parts.hull(
                [(cx + dx * top_half, top_bottom, cz + dz * top_half) for dx in (-1, 1) for dz in (-1, 1)]
                + [(fx + dx * foot_half, 0.0, fz + dz * foot_half) for dx in (-1, 1) for dz in (-1, 1)]
            )
        )
    if rng.random() < 0.6:
        apron = rng.uniform(0.06, 0.12)
        pieces += [
            parts.box((-x, top_bottom - apron, -z - leg / 4), (x, top_bottom, -z + leg / 4)),
            parts.box((-x, top_bottom - apron, z - leg / 4), (x, top_bottom, z + leg / 4)),
            parts.box((-x - leg / 4, top_bottom - apron, -z), (-x + leg / 4, top_bottom, z)),
            parts.box((x - leg / 4, top_bottom - apron, -z), (x + leg / 4, top_bottom, z)),
        ]
    if kind == "bar" or rng.random() < 0.25:
        height = top_bottom * rng.uniform(0.15, 0.3)
        shrink = 1 - height / top_bottom
        at = [(cx + np.sign(cx) * splay * (1 - shrink), cz + np.sign(cz) * splay * (1 - shrink)) for cx, cz in corners]
        radius = leg * 0.3
        pieces += [
            parts.rod((at[0][0], height, at[0][1]), (at[1][0], height, at[1][1]), radius),
            parts.rod((at[2][0], height, at[2][1]), (at[3][0], height, at[3][1]), radius),
            parts.rod((at[0][0], height, 0.0), (at[2][0], height, 0.0), radius),
        ]
    return pieces


def _pedestal(rng, length, width, top_bottom):
    column = rng.uniform(0.05, 0.1)
    pieces = [parts.disc(column, 0.0, top_bottom, sections=24)]
    if rng.random() < 0.5:
        base = parts.disc(0.5, 0.0, rng.uniform(0.03, 0.06), sections=32)
        base.apply_scale((min(length, width) * rng.uniform(0.5, 0.7), 1.0, min(length, width) * rng.uniform(0.5, 0.7)))
        pieces.append(base)
    else:
        feet = int(rng.integers(3, 5))
        reach = min(length, width) * rng.uniform(0.3, 0.4)
        foot = rng.uniform(0.04, 0.06)
        for angle in np.linspace(0.0, 2 * np.pi, feet, endpoint=False) + np.pi / feet:
            tip = (reach * np.sin(angle), foot / 2, reach * np.cos(angle))
            pieces.append(
                parts.hull(
                    [
                        (0.0, foot * 1.5, 0.0),
                        (0.0, 0.0, 0.0),
                        tip,
                        (tip[0], 0.0, tip[2]),
                        (foot * np.cos(angle), foot, -foot * np.sin(angle)),
                        (-foot * np.cos(angle), foot, foot * np.sin(angle)),
                    ]
                )
            )
    if length > 1.4 * width:
        # A long oval top stands on two columns.
        pieces = [piece.copy().apply_translation((sx * length * 0.25, 0.0, 0.0)) for piece in pieces for sx in (-1, 1)]
    return pieces


def _trestles(rng, length, width, top_bottom):
    """Two I-shaped end supports joined by a stretcher."""
    post = rng.uniform(0.06, 0.1)
    foot = rng.uniform(0.05, 0.08)
    x = length / 2 - rng.uniform(0.1, 0.25)
    pieces = []
    for sx in (-1, 1):
        cx = sx * x
        pieces += [
            parts.box((cx - post / 2, 0.0, -post / 2), (cx + post / 2, top_bottom, post / 2)),
            parts.box((cx - post / 2, 0.0, -width * 0.42), (cx + post / 2, foot, width * 0.42)),
            parts.box((cx - post / 2, top_bottom - foot, -width * 0.4), (cx + post / 2, top_bottom, width * 0.4)),
        ]
    stretcher = top_bottom * rng.uniform(0.25, 0.6)
    pieces.append(parts.box((-x, stretcher - 0.03, -0.03), (x, stretcher + 0.03, 0.03)))
    return pieces
