"""The shelf family: bookcases and shelving units, tall or low, with or without back, dividers and books.

Built in metres, floor at y = 0, open front towards +z, back panel (if any) at -z.
"""

import numpy as np

from iggan_tf.shapes import parts


def build_shelf(rng: np.random.Generator):
    """A bookcase whose size, shelf count, dividers, back, plinth and books are drawn from `rng`."""
    tall = rng.random() < 0.6
    width = rng.uniform(0.6, 1.2) if tall else rng.uniform(0.9, 1.8)
    height = rng.uniform(1.4, 2.0) if tall else rng.uniform(0.6, 1.1)
    depth = rng.uniform(0.28, 0.42)
    board = rng.uniform(0.035, 0.05) * max(1.0, height / 1.4)
    plinth = rng.uniform(0.05, 0.12) if rng.random() < 0.5 else 0.0
    front, rear = depth / 2, -depth / 2
    pieces = [
        parts.box(
            (sx * width / 2 - (board if sx > 0 else 0), 0.0, rear),
            (sx * width / 2 + (board if sx < 0 else 0), height, front),
        )
        for sx in (-1, 1)
    ]
    pieces.append(parts.box((-width / 2, height - board, rear), (width / 2, height, front)))
    pieces.append(parts.box((-width / 2, 0.0, rear), (width / 2, plinth + board, front - (0.02 if plinth else 0.0))))
    if rng.random() < 0.5:
        pieces.append(parts.box((-width / 2, 0.0, rear), (width / 2, height, rear + board * 0.6)))
    compartments = int(rng.integers(2, 6 if tall else 4))
    levels = np.linspace(plinth + board, height - board, compartments + 1)
    for level in levels[1:-1]:
        pieces.append(parts.box((-width / 2, level - board / 2, rear), (width / 2, level + board / 2, front - 0.01)))
    columns = int(rng.integers(2, 4)) if width > 1.1 and rng.random() < 0.5 else 1
    walls = np.linspace(-width / 2 + board, width / 2 - board, columns + 1)
    for x in walls[1:-1]:
        pieces.append(parts.box((x - board / 2, plinth, rear), (x + board / 2, height - board, front - 0.01)))
    if rng.random() < 0.65:
        fill = rng.uniform(0.3, 0.9)
        for bottom, top in zip(levels[:-1] + board / 2, levels[1:] - board / 2):
            for left, right in zip(walls[:-1], walls[1:]):
                if rng.random() < fill:
                    pieces += _books(rng, left + board / 2, right - board / 2, bottom, top, rear + board, front)
    return parts.assemble(pieces)


def _books(rng, left, right, bottom, top, rear, front):
    """A run of upright books filling part of one compartment, leaning against one side."""
    space = right - left
    run = space * rng.uniform(0.3, 0.9)
    start = left if rng.random() < 0.5 else right - run
    pieces = []
    x = start
    while x < start + run - 0.03:
        thickness = min(rng.uniform(0.03, 0.07), start + run - x)
        height = (top - bottom) * rng.uniform(0.6, 0.9)
        depth = (front - rear) * rng.uniform(0.6, 0.9)
        pieces.append(parts.box((x, bottom, rear), (x + thickness, bottom + height, rear + depth)))
        x += thickness + 0.005
    return pieces
