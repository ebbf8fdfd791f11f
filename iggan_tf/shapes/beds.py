"""The bed family: single to king-size beds and bunk beds, with headboard, mattress, pillows and frame.

Built in metres, floor at y = 0, long axis along z, headboard at -z and foot end towards +z.
"""

import numpy as np

from iggan_tf.shapes import parts


def build_bed(rng: np.random.Generator):
    """A bed or bunk bed whose size, frame, headboard, footboard and pillows are drawn from `rng`."""
    width = rng.uniform(0.9, 1.9)
    length = rng.uniform(1.95, 2.15)
    if width < 1.2 and rng.random() < 0.35:
        return parts.assemble(_bunk(rng, width, length))
    frame_top = rng.uniform(0.2, 0.4)
    pieces = _deck(rng, width, length, frame_top, on_legs=rng.random() < 0.5)
    mattress_top = frame_top + rng.uniform(0.15, 0.28)
    head_top = mattress_top + rng.uniform(0.35, 0.8)
    pieces += _board(rng, width, -length / 2, head_top, facing=1.0)
    if rng.random() < 0.45:
        pieces += _board(rng, width, length / 2, mattress_top + rng.uniform(0.0, 0.25), facing=-1.0)
    pieces.append(
        parts.box(
            (-width / 2 + 0.03, frame_top - 0.02, -length / 2 + 0.05),
            (width / 2 - 0.03, mattress_top, length / 2 - 0.03),
        )
    )
    pieces += _pillows(rng, width, -length / 2 + 0.1, mattress_top)
    return parts.assemble(pieces)


def _deck(rng, width, length, frame_top, on_legs):
    """The mattress support: a solid platform to the floor, or side rails on four legs."""
    if not on_legs:
        return [parts.box((-width / 2, 0.0, -length / 2), (width / 2, frame_top, length / 2))]
    leg = rng.uniform(0.05, 0.09)
    rail = rng.uniform(0.1, 0.18)
    pieces = [parts.box((-width / 2, frame_top - rail, -length / 2), (width / 2, frame_top, length / 2))]
    for sx in (-1, 1):
        for sz in (-1, 1):
            x, z = sx * (width / 2 - leg / 2), sz * (length / 2 - leg / 2)
            pieces.append(parts.box((x - leg / 2, 0.0, z - leg / 2), (x + leg / 2, frame_top, z + leg / 2)))
    return pieces


def _board(rng, width, z, top, facing):
    """A head- or footboard at `z`: a panel, a panel with a rounded top, or posts with spindles."""
    thickness = rng.uniform(0.05, 0.1)
    post = rng.uniform(0.06, 0.1)
    back, front = sorted((z, z + facing * thickness))
    style = rng.choice(("panel", "arched", "spindles"))
    if style == "spindles":
        pieces = [
            parts.box((sx * width / 2 - post / 2, 0.0, back), (sx * width / 2 + post / 2, top, front)) for sx in (-1, 1)
        ]
        rail = rng.uniform(0.06, 0.1)
        bottom = top * rng.uniform(0.3, 0.5)
        pieces += [
            parts.box((-width / 2, top - rail, back), (width / 2, top, front)),
            parts.box((-width / 2, bottom - rail, back), (width / 2, bottom, front)),
        ]
        count = int(rng.integers(4, 9))
        for x in np.linspace(-width / 2, width / 2, count + 2)[1:-1]:
            pieces.append(parts.rod((x, bottom, (back + front) / 2), (x, top, (back + front) / 2), 0.02))
        return pieces
    pieces = [parts.box((-width / 2, 0.0, back), (width / 2, top, front))]
    if style == "arched":
        rise = rng.uniform(0.1, 0.25)
        arch = parts.rod((0.0, 0.0, back), (0.0, 0.0, front), 0.5, sections=32)
        arch.apply_scale((width, 2 * rise, 1.0))
        arch.apply_translation((0.0, top, 0.0))
        pieces.append(arch)
    return pieces


def _pillows(rng, width, head_z, mattress_top):
    count = 1 if width < 1.3 or rng.random() < 0.3 else 2
    pillow_width = (width - 0.2) / count - 0.05
    depth = rng.uniform(0.3, 0.45)
    height = rng.uniform(0.1, 0.16)
    pieces = []
    for x in np.linspace(-width / 2 + 0.1, width / 2 - 0.1, 2 * count + 1)[1::2]:
        pieces.append(
            parts.box(
                (x - pillow_width / 2, mattress_top - 0.02, head_z),
                (x + pillow_width / 2, mattress_top + height, head_z + depth),
            )
        )
    if rng.random() < 0.5:
        # A folded blanket across the foot end.
        blanket = rng.uniform(0.3, 0.6)
        length_end = head_z + rng.uniform(1.6, 1.8)
        pieces.append(
            parts.box(
                (-width / 2 + 0.01, mattress_top - 0.02, length_end - blanket),
                (width / 2 - 0.01, mattress_top + 0.05, length_end),
            )
        )
    return pieces


def _bunk(rng, width, length):
    """Two stacked bunks on four tall posts with a ladder at the foot end."""
    post = rng.uniform(0.06, 0.09)
    low = rng.uniform(0.2, 0.3)
    high = low + rng.uniform(0.85, 1.05)
    top = high + rng.uniform(0.35, 0.5)
    pieces = []
    for sx in (-1, 1):
        for sz in (-1, 1):
            x, z = sx * (width / 2 - post / 2), sz * (length / 2 - post / 2)
            pieces.append(parts.box((x - post / 2, 0.0, z - post / 2), (x + post / 2, top, z + post / 2)))
    for level in (low, high):
        pieces.append(parts.box((-width / 2, level - 0.12, -length / 2), (width / 2, level, length / 2)))
        pieces.append(
            parts.box(
                (-width / 2 + 0.03, level - 0.02, -length / 2 + 0.05),
                (width / 2 - 0.03, level + 0.16, length / 2 - 0.05),
            )
        )
        pieces += _pillows(rng, width, -length / 2 + 0.1, level + 0.16)
    # Guard rail along the top bunk's long sides, and a ladder up the +x side at the foot end.
    for sx in (-1, 1):
        pieces.append(
            parts.box((sx * width / 2 - post / 2, top - 0.1, -length / 2), (sx * width / 2 + post / 2, top, length / 2))
        )
    ladder_x = width / 2 + 0.05
    ladder_z = length / 2 - rng.uniform(0.3, 0.6)
    for dz in (-0.2, 0.2):
        pieces.append(parts.rod((ladder_x, 0.0, ladder_z + dz), (ladder_x, high + 0.25, ladder_z + dz), 0.025))
    for y in np.linspace(0.3, high, 4):
        pieces.append(parts.rod((ladder_x, y, ladder_z - 0.2), (ladder_x, y, ladder_z + 0.2), 0.02))
    return pieces
