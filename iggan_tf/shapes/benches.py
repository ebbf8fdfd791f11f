"""The bench family: long, narrow seats of planks or slats, on legs, end panels or bent frames, some with a back.

Built in metres, floor at y = 0, long axis along x, sitting side towards +z, back (if any) at -z.
"""

import numpy as np

from iggan_tf.shapes import parts


def build_bench(rng: np.random.Generator):
    """A bench whose length, seat construction, supports, back and arm rests are drawn from `rng`."""
    length = rng.uniform(1.1, 2.2)
    depth = rng.uniform(0.3, 0.5)
    seat_height = rng.uniform(0.38, 0.5)
    thickness = rng.uniform(0.04, 0.07)
    seat_bottom = seat_height - thickness
    pieces = []
    if rng.random() < 0.6:
        slats = int(rng.integers(3, 6))
        gap = rng.uniform(0.025, 0.045)
        slat = (depth - gap * (slats - 1)) / slats
        for index in range(slats):
            z = -depth / 2 + index * (slat + gap)
            pieces.append(parts.box((-length / 2, seat_bottom, z), (length / 2, seat_height, z + slat)))
    else:
        pieces.append(parts.box((-length / 2, seat_bottom, -depth / 2), (length / 2, seat_height, depth / 2)))
    support = rng.choice(("legs", "panels", "frames"))
    inset = rng.uniform(0.05, 0.2)
    end_x = length / 2 - inset
    if support == "legs":
        leg = rng.uniform(0.04, 0.07)
        pairs = 3 if length > 1.7 and rng.random() < 0.5 else 2
        for x in np.linspace(-end_x, end_x, pairs):
            for sz in (-1, 1):
                # Flush with the seat's edge, so a leg always meets the outermost slat.
                z = sz * (depth / 2 - leg / 2)
                pieces.append(
                    parts.box((x - leg / 2, 0.0, z - leg / 2), (x + leg / 2, seat_bottom + thickness / 2, z + leg / 2))
                )
            # A rail under the seat carries the middle slats; a low stretcher braces the legs.
            pieces.append(
                parts.box(
                    (x - leg / 2, seat_bottom - leg, -depth / 2), (x + leg / 2, seat_bottom + thickness / 2, depth / 2)
                )
            )
            pieces.append(
                parts.box(
                    (x - leg / 4, seat_bottom * 0.25, -depth / 2 + leg),
                    (x + leg / 4, seat_bottom * 0.25 + leg, depth / 2 - leg),
                )
            )
    elif support == "panels":
        panel = rng.uniform(0.04, 0.07)
        for sx in (-1, 1):
            x = sx * end_x
            pieces.append(
                parts.box(
                    (x - panel / 2, 0.0, -depth / 2 + 0.02),
                    (x + panel / 2, seat_bottom + thickness / 2, depth / 2 - 0.02),
                )
            )
        pieces.append(parts.box((-end_x, seat_bottom - 0.08, -0.02), (end_x, seat_bottom, 0.02)))
    else:
        # Bent-bar side frames: a loop of round bar under each end.
        bar = rng.uniform(0.015, 0.025)
        for sx in (-1, 1):
            x = sx * end_x
            corners = [
                (x, bar, -depth / 2),
                (x, bar, depth / 2),
                (x, seat_bottom, depth / 2 - 0.04),
                (x, seat_bottom, -depth / 2 + 0.04),
            ]
            pieces += [parts.rod(corners[i], corners[(i + 1) % 4], bar) for i in range(4)]
    if rng.random() < 0.5:
        pieces += _back(rng, length, depth, seat_height, end_x)
    return parts.assemble(pieces)


def _back(rng, length, depth, seat_height, end_x):
    """Horizontal back slats on posts behind the seat, optionally with arm rests at both ends."""
    height = rng.uniform(0.3, 0.45)
    post = rng.uniform(0.04, 0.06)
    rear = -depth / 2
    tilt = rng.uniform(5.0, 20.0)
    pieces = [
        parts.box(
            (sx * end_x - post / 2, seat_height - 0.05, rear),
            (sx * end_x + post / 2, seat_height + height, rear + post),
        )
        for sx in (-1, 1)
    ]
    slats = int(rng.integers(1, 4))
    slat = rng.uniform(0.06, 0.12) if slats > 1 else height * rng.uniform(0.5, 0.8)
    for y in np.linspace(seat_height + height - slat / 2, seat_height + height * 0.35, slats):
        pieces.append(
            parts.box((-length / 2 + 0.02, y - slat / 2, rear), (length / 2 - 0.02, y + slat / 2, rear + post * 0.6))
        )
    pieces = parts.rotated(pieces, -tilt, (1.0, 0.0, 0.0), (0.0, seat_height, rear))
    if rng.random() < 0.5:
        arm_height = seat_height + rng.uniform(0.18, 0.25)
        for sx in (-1, 1):
            x = sx * end_x
            pieces += [
                parts.box((x - post / 2, arm_height - 0.04, rear), (x + post / 2, arm_height, depth / 2)),
                parts.box(
                    (x - post / 2, seat_height - 0.05, depth / 2 - post * 1.5),
                    (x + post / 2, arm_height, depth / 2 - post * 0.5),
                ),
            ]
    return pieces
