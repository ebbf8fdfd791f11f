"""The couch family: sofas with one to three cushions, varied arms, backs, feet and an optional chaise.

Built in metres, floor at y = 0, seats facing +z, back at -z.
"""

import numpy as np

from iggan_tf.shapes import parts

ARM_STYLES = ("block", "rolled", "thin", "none")


def build_couch(rng: np.random.Generator):
    """A sofa whose width, cushion count, arm style, back and chaise are drawn from `rng`."""
    inner_width = rng.uniform(1.1, 2.6)
    seats = int(rng.integers(1, 4))
    depth = rng.uniform(0.75, 1.1)
    arm_style = rng.choice(ARM_STYLES, p=(0.4, 0.25, 0.25, 0.1))
    arm_width = {
        "block": rng.uniform(0.15, 0.25),
        "rolled": rng.uniform(0.15, 0.22),
        "thin": rng.uniform(0.06, 0.1),
        "none": 0.0,
    }[arm_style]
    width = inner_width + 2 * arm_width
    leg_height = rng.uniform(0.08, 0.18) if rng.random() < 0.6 else 0.0
    base_top = leg_height + rng.uniform(0.15, 0.25)
    cushion = rng.uniform(0.1, 0.18)
    seat_top = base_top + cushion
    back_thickness = rng.uniform(0.15, 0.25)
    back_top = seat_top + rng.uniform(0.25, 0.6)
    front = depth / 2
    rear = -depth / 2
    base_bottom = leg_height
    pieces = [
        parts.box((-width / 2, base_bottom, rear), (width / 2, base_top, front)),
        parts.box((-width / 2, base_bottom, rear), (width / 2, back_top, rear + back_thickness)),
    ]
    if rng.random() < 0.3:
        # A camel or roll top along the back.
        roll = back_thickness * 0.6
        pieces.append(
            parts.rod(
                (-width / 2, back_top, rear + back_thickness / 2),
                (width / 2, back_top, rear + back_thickness / 2),
                roll,
                sections=16,
            )
        )
    # Seat cushions with narrow gaps between them, so the seat count shows.
    gap = 0.05
    cushion_width = (inner_width - gap * (seats - 1)) / seats
    for index in range(seats):
        left = -inner_width / 2 + index * (cushion_width + gap)
        pieces.append(
            parts.box((left, base_top - 0.01, rear + back_thickness), (left + cushion_width, seat_top, front))
        )
    if rng.random() < 0.6:
        pillow = rng.uniform(0.12, 0.2)
        pillow_top = back_top - rng.uniform(0.0, 0.08)
        for index in range(seats):
            left = -inner_width / 2 + index * (cushion_width + gap)
            pieces.append(
                parts.box(
                    (left, seat_top - 0.01, rear + back_thickness - 0.02),
                    (left + cushion_width, pillow_top, rear + back_thickness + pillow),
                )
            )
    if arm_style != "none":
        arm_top = seat_top + rng.uniform(0.08, 0.3) * (0.6 if arm_style == "thin" else 1.0)
        for sx in (-1, 1):
            outer, inner = sx * width / 2, sx * (width / 2 - arm_width)
            low, high = min(outer, inner), max(outer, inner)
            if arm_style == "rolled":
                roll = arm_width * 0.6
                pieces.append(parts.box((low, base_bottom, rear), (high, arm_top - roll, front)))
                pieces.append(
                    parts.rod(((low + high) / 2, arm_top - roll, rear), ((low + high) / 2, arm_top - roll, front), roll)
                )
            else:
                pieces.append(parts.box((low, base_bottom, rear), (high, arm_top, front)))
    if rng.random() < 0.3:
        # Chaise: one end's seat runs forward into a lounger.
        side = rng.choice((-1, 1))
        length = rng.uniform(0.5, 0.8)
        chaise_width = min(cushion_width, rng.uniform(0.6, 0.8))
        outer = side * (inner_width / 2)
        inner = outer - side * chaise_width
        low, high = min(outer, inner), max(outer, inner)
        pieces.append(parts.box((low, base_bottom, front - 0.02), (high, base_top, front + length)))
        pieces.append(parts.box((low, base_top - 0.01, front - 0.02), (high, seat_top, front + length)))
        if leg_height > 0:
            pieces += _feet(rng, low, high, front, front + length, leg_height, rng.random() < 0.5)
    if leg_height > 0:
        pieces += _feet(rng, -width / 2, width / 2, rear, front, leg_height, rng.random() < 0.5)
    return parts.assemble(pieces)


def _feet(rng, left, right, rear, front, height, round_feet):
    size = rng.uniform(0.04, 0.07)
    inset = size
    feet = []
    for x in (left + inset, right - inset):
        for z in (rear + inset, front - inset):
            if round_feet:
                feet.append(parts.rod((x, 0.0, z), (x, height + 0.01, z), size / 2))
            else:
                feet.append(parts.box((x - size / 2, 0.0, z - size / 2), (x + size / 2, height + 0.01, z + size / 2)))
    return feet
