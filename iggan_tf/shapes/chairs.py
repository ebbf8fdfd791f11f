"""The chair family: side chairs, armchairs and stools, one of them drawn per seed.

Built in metres, floor at y = 0, seat front towards +z, back at -z. Legs, backs and arms come in several
styles so that two chairs differ in structure, not only in proportions.
"""

import numpy as np

from iggan_tf.shapes import parts

LEG_STYLES = ("straight", "splayed", "pedestal", "sled", "panel")
BACK_STYLES = ("solid", "slats", "rails", "oval")


def build_chair(rng: np.random.Generator):
    """A chair, armchair or stool with seeded proportions and part styles."""
    variant = rng.choice(("chair", "armchair", "stool"), p=(0.5, 0.3, 0.2))
    if variant == "stool":
        return parts.assemble(_stool(rng))
    armchair = variant == "armchair"
    seat_width = rng.uniform(0.42, 0.6) + (0.12 if armchair else 0.0)
    seat_depth = rng.uniform(0.4, 0.55)
    seat_height = rng.uniform(0.38, 0.5)
    seat_thickness = rng.uniform(0.1, 0.16) if armchair else rng.uniform(0.04, 0.08)
    seat_bottom = seat_height - seat_thickness
    pieces = [parts.box((-seat_width / 2, seat_bottom, -seat_depth / 2), (seat_width / 2, seat_height, seat_depth / 2))]
    leg_style = rng.choice(LEG_STYLES)
    pieces += _chair_legs(rng, leg_style, seat_width, seat_depth, seat_bottom)
    pieces += _back(rng, seat_width, seat_depth, seat_height, padded=armchair)
    if armchair:
        pieces += _arms(rng, seat_width, seat_depth, seat_height, solid_sides=leg_style == "panel")
    return parts.assemble(pieces)


def _chair_legs(rng, style, width, depth, seat_bottom):
    """Supports under a seat of `width` x `depth` whose underside is at `seat_bottom`, in one of LEG_STYLES."""
    leg_width = rng.uniform(0.03, 0.05)
    inset = rng.uniform(0.0, 0.04)
    corner_x = width / 2 - inset - leg_width / 2
    corner_z = depth / 2 - inset - leg_width / 2
    corners = [(sx * corner_x, sz * corner_z) for sx in (-1, 1) for sz in (-1, 1)]
    if style == "straight":
        round_legs = rng.random() < 0.4
        legs = []
        for x, z in corners:
            if round_legs:
                legs.append(parts.rod((x, 0.0, z), (x, seat_bottom, z), leg_width / 2))
            else:
                legs.append(
                    parts.box(
                        (x - leg_width / 2, 0.0, z - leg_width / 2), (x + leg_width / 2, seat_bottom, z + leg_width / 2)
                    )
                )
        if rng.random() < 0.5:
            legs += _stretchers(rng, corners, corners, seat_bottom, leg_width)
        return legs
    if style == "splayed":
        splay = rng.uniform(0.03, 0.08)
        feet = [(x + np.sign(x) * splay, z + np.sign(z) * splay) for x, z in corners]
        legs = [parts.rod((x, seat_bottom, z), (fx, 0.0, fz), leg_width / 2) for (x, z), (fx, fz) in zip(corners, feet)]
        if rng.random() < 0.4:
            legs += _stretchers(rng, corners, feet, seat_bottom, leg_width)
        return legs
    if style == "pedestal":
        column_radius = rng.uniform(0.025, 0.045)
        base_height = rng.uniform(0.04, 0.07)
        legs = [parts.disc(column_radius, base_height / 2, seat_bottom)]
        reach = rng.uniform(0.24, 0.32)
        if rng.random() < 0.6:
            arm_count = int(rng.integers(4, 6))
            for angle in np.linspace(0.0, 2 * np.pi, arm_count, endpoint=False) + rng.uniform(0, np.pi):
                tip = (reach * np.sin(angle), base_height, reach * np.cos(angle))
                legs.append(parts.rod((0.0, base_height, 0.0), tip, base_height / 2))
                legs.append(parts.ball((tip[0], base_height / 2, tip[2]), base_height / 2))
        else:
            legs.append(parts.disc(reach * 0.8, 0.0, base_height / 2))
        return legs
    if style == "sled":
        rail = leg_width * 0.8
        legs = []
        for sx in (-1, 1):
            x = sx * corner_x
            legs.append(parts.rod((x, rail / 2, -corner_z - 0.02), (x, rail / 2, corner_z + 0.02), rail / 2))
            legs += [
                parts.rod((x, 0.0, sz * corner_z), (x, seat_bottom, sz * corner_z * 0.8), rail / 2) for sz in (-1, 1)
            ]
        return legs
    panel = rng.uniform(0.03, 0.05)
    legs = [
        parts.box(
            (sx * width / 2 - (panel if sx > 0 else 0), 0.0, -depth / 2),
            (sx * width / 2 + (panel if sx < 0 else 0), seat_bottom, depth / 2),
        )
        for sx in (-1, 1)
    ]
    if rng.random() < 0.5:
        legs.append(parts.box((-width / 2, 0.0, -depth / 2), (width / 2, seat_bottom * 0.3, -depth / 2 + panel)))
    return legs


def _stretchers(rng, tops, feet, seat_bottom, leg_width):
    """Bars between the legs at a random height: an H (two side bars and a cross bar) or a ring round all four."""
    fraction = rng.uniform(0.2, 0.45)
    at_height = [
        (x + (fx - x) * (1 - fraction), seat_bottom * fraction, z + (fz - z) * (1 - fraction))
        for (x, z), (fx, fz) in zip(tops, feet)
    ]
    # Corners are ordered (-x,-z), (-x,+z), (+x,-z), (+x,+z).
    pairs = [(0, 1), (2, 3)]
    pairs += [(0, 2), (1, 3)] if rng.random() < 0.5 else []
    radius = leg_width * 0.35
    bars = [parts.rod(at_height[i], at_height[j], radius) for i, j in pairs]
    if len(pairs) == 2:
        middle = [np.mean([at_height[0], at_height[1]], axis=0), np.mean([at_height[2], at_height[3]], axis=0)]
        bars.append(parts.rod(middle[0], middle[1], radius))
    return bars


def _back(rng, width, depth, seat_height, padded):
    """Back rest built upright behind the seat, then tilted backwards about the seat's rear edge."""
    height = rng.uniform(0.3, 0.6)
    thickness = rng.uniform(0.1, 0.18) if padded else rng.uniform(0.03, 0.06)
    style = "solid" if padded else rng.choice(BACK_STYLES)
    back_z = -depth / 2 + thickness / 2
    top = seat_height + height
    post = rng.uniform(0.03, 0.05)
    posts = [
        parts.box(
            (sx * width / 2 - (post if sx > 0 else 0), seat_height - 0.02, back_z - thickness / 2),
            (sx * width / 2 + (post if sx < 0 else 0), top, back_z + thickness / 2),
        )
        for sx in (-1, 1)
    ]
    if style == "solid":
        gap = 0.0 if padded or rng.random() < 0.5 else rng.uniform(0.08, 0.15)
        pieces = [
            parts.box(
                (-width / 2, seat_height - 0.02 + gap, back_z - thickness / 2), (width / 2, top, back_z + thickness / 2)
            )
        ]
        if gap > 0:
            pieces += posts
    elif style == "slats":
        rail = rng.uniform(0.05, 0.1)
        inner = width - 2 * post
        slat = rng.uniform(0.025, 0.05)
        count = int(rng.integers(2, max(3, int((inner + 0.045) // (slat + 0.045)) + 1)))
        pieces = posts + [
            parts.box((-width / 2, top - rail, back_z - thickness / 2), (width / 2, top, back_z + thickness / 2))
        ]
        for x in np.linspace(-inner / 2, inner / 2, count + 2)[1:-1]:
            pieces.append(
                parts.box(
                    (x - slat / 2, seat_height, back_z - thickness / 4),
                    (x + slat / 2, top - rail, back_z + thickness / 4),
                )
            )
    elif style == "rails":
        count = int(rng.integers(2, 5))
        rail = rng.uniform(0.04, 0.07)
        pieces = list(posts)
        for y in np.linspace(seat_height + height * 0.3, top - rail / 2, count):
            pieces.append(
                parts.box(
                    (-width / 2, y - rail / 2, back_z - thickness / 2),
                    (width / 2, y + rail / 2, back_z + thickness / 2),
                )
            )
    else:
        # An oval board on two short posts.
        board_height = height * rng.uniform(0.6, 0.8)
        board = parts.rod((0.0, 0.0, -thickness / 2), (0.0, 0.0, thickness / 2), 0.5, sections=28)
        board.apply_scale((width, board_height, 1.0))
        board.apply_translation((0.0, top - board_height / 2, back_z))
        pieces = [board] + [
            parts.box(
                (sx * width * 0.3 - post / 2, seat_height - 0.02, back_z - thickness / 2),
                (sx * width * 0.3 + post / 2, top - board_height / 2, back_z + thickness / 2),
            )
            for sx in (-1, 1)
        ]
    tilt = rng.uniform(0.0, 15.0)
    return parts.rotated(pieces, -tilt, (1.0, 0.0, 0.0), (0.0, seat_height, -depth / 2))


def _arms(rng, width, depth, seat_height, solid_sides):
    """Arm rests on both sides, carried by front posts or by solid side panels."""
    rest_height = seat_height + rng.uniform(0.18, 0.28)
    rest_width = rng.uniform(0.05, 0.12)
    rest_thickness = rng.uniform(0.04, 0.07)
    front = depth / 2 + rng.uniform(-0.04, 0.04)
    pieces = []
    for sx in (-1, 1):
        outer = sx * (width / 2 + rest_width * 0.3)
        inner = outer - sx * rest_width
        low_x, high_x = min(inner, outer), max(inner, outer)
        pieces.append(parts.box((low_x, rest_height - rest_thickness, -depth / 2), (high_x, rest_height, front)))
        if solid_sides:
            pieces.append(parts.box((low_x, 0.0, -depth / 2), (high_x, rest_height, front)))
        else:
            post_x = (low_x + high_x) / 2
            support = rest_width * 0.6
            pieces.append(
                parts.box(
                    (post_x - support / 2, seat_height - 0.05, front - 0.06 - support),
                    (post_x + support / 2, rest_height, front - 0.06),
                )
            )
    return pieces


def _stool(rng):
    """Seat on three or four splayed legs or a pedestal; tall stools get a foot ring."""
    height = rng.uniform(0.45, 0.8)
    thickness = rng.uniform(0.04, 0.08)
    round_seat = rng.random() < 0.6
    radius = rng.uniform(0.15, 0.22)
    bottom = height - thickness
    if round_seat:
        pieces = [parts.disc(radius, bottom, height)]
    else:
        pieces = [parts.box((-radius, bottom, -radius), (radius, height, radius))]
    if rng.random() < 0.25:
        column = rng.uniform(0.03, 0.05)
        pieces += [parts.disc(column, 0.0, bottom), parts.disc(radius * rng.uniform(0.9, 1.3), 0.0, 0.04)]
        return pieces
    leg_count = 4 if not round_seat else int(rng.integers(3, 5))
    leg_radius = rng.uniform(0.015, 0.025)
    splay = rng.uniform(0.02, 0.1)
    start_angle = np.pi / 4 if leg_count == 4 else 0.0
    angles = start_angle + np.linspace(0.0, 2 * np.pi, leg_count, endpoint=False)
    top_reach = radius * 0.75 * (1.0 if round_seat else np.sqrt(2))
    tops = [(top_reach * np.sin(a), bottom, top_reach * np.cos(a)) for a in angles]
    feet = [((top_reach + splay) * np.sin(a), 0.0, (top_reach + splay) * np.cos(a)) for a in angles]
    pieces += [parts.rod(t, f, leg_radius) for t, f in zip(tops, feet)]
    if height > 0.6 or rng.random() < 0.3:
        fraction = rng.uniform(0.25, 0.45)
        ring = [np.add(f, np.subtract(t, f) * fraction) for t, f in zip(tops, feet)]
        pieces += [parts.rod(ring[i], ring[(i + 1) % leg_count], leg_radius * 0.8) for i in range(leg_count)]
    return pieces
