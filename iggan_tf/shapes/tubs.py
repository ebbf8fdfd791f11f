"""The tub family: bathtubs with an open top and walls and floor of real thickness (the paper's concavity case).

Built in metres, floor at y = 0, long axis along x, the front side towards +z. Two bodies: a rectangular
built-in tub and an oval free-standing one (on claw feet, a plinth or the floor); some get a tap.
"""

import numpy as np

from iggan_tf.shapes import parts


def build_tub(rng: np.random.Generator):
    """A hollow bathtub, open at the top, with seeded size, wall thickness, body style and tap."""
    length = rng.uniform(1.4, 1.9)
    width = rng.uniform(0.7, 0.95)
    wall = rng.uniform(0.06, 0.1)
    if rng.random() < 0.5:
        pieces, rim, tap_x = _rectangular(rng, length, width, wall)
    else:
        pieces, rim, tap_x = _oval(rng, length, width, wall)
    if rng.random() < 0.6:
        pieces += _tap(rng, tap_x, rim, wall)
    return parts.assemble(pieces)


def _rectangular(rng, length, width, wall):
    """Box walls around a cavity; one end may carry a wider deck for the tap, the other a sloped backrest.

    Returns (parts, rim height, x of the tap's place on the rim); so does `_oval`.
    """
    height = rng.uniform(0.42, 0.58)
    floor = rng.uniform(0.06, 0.1)
    deck = wall + rng.uniform(0.0, 0.15)
    deck_side = rng.choice((-1.0, 1.0))
    x_low, x_high = -length / 2, length / 2
    inner_low = x_low + (deck if deck_side < 0 else wall)
    inner_high = x_high - (deck if deck_side > 0 else wall)
    z_low, z_high = -width / 2, width / 2
    pieces = [
        parts.box((x_low, 0.0, z_low), (x_high, floor, z_high)),
        parts.box((x_low, 0.0, z_low), (inner_low, height, z_high)),
        parts.box((inner_high, 0.0, z_low), (x_high, height, z_high)),
        parts.box((x_low, 0.0, z_low), (x_high, height, z_low + wall)),
        parts.box((x_low, 0.0, z_high - wall), (x_high, height, z_high)),
    ]
    if rng.random() < 0.4:
        # An overhanging rim lip all round.
        lip = rng.uniform(0.02, 0.04)
        thickness = rng.uniform(0.03, 0.05)
        for low, high in (
            ((x_low - lip, z_low - lip), (x_high + lip, z_low + wall)),
            ((x_low - lip, z_high - wall), (x_high + lip, z_high + lip)),
            ((x_low - lip, z_low - lip), (inner_low, z_high + lip)),
            ((inner_high, z_low - lip), (x_high + lip, z_high + lip)),
        ):
            pieces.append(parts.box((low[0], height - thickness, low[1]), (high[0], height, high[1])))
    if rng.random() < 0.6:
        # A backrest sloping from the rim down to the floor at the end away from the tap deck.
        run = rng.uniform(0.2, 0.35)
        end = inner_high if deck_side < 0 else inner_low
        toe = end + deck_side * run
        pieces.append(
            parts.hull(
                [
                    (x, y, z)
                    for z in (z_low + wall / 2, z_high - wall / 2)
                    for x, y in ((end, floor / 2), (end, height - 0.02), (toe, floor / 2))
                ]
            )
        )
    tap_x = (x_low + inner_low) / 2 if deck_side < 0 else (x_high + inner_high) / 2
    return pieces, height, tap_x


def _oval(rng, length, width, wall):
    """A revolved vessel with flared sides stretched into an ellipse, raised on feet or a plinth or not at all."""
    body_height = rng.uniform(0.38, 0.52)
    floor = rng.uniform(0.06, 0.1)
    flare = rng.uniform(0.04, 0.14)
    radius_top = width / 2
    radius_bottom = radius_top - flare
    lip = rng.uniform(0.0, 0.04)
    profile = [
        (0.0, 0.0),
        (radius_bottom, 0.0),
        (radius_top, body_height - 0.02),
        (radius_top + lip, body_height - 0.02),
        (radius_top + lip, body_height),
        (radius_top - wall, body_height),
        (radius_bottom - wall, floor),
        (0.0, floor),
    ]
    body = parts.revolved(profile)
    body.apply_scale((length / width, 1.0, 1.0))
    support = rng.choice(("feet", "plinth", "floor"), p=(0.45, 0.3, 0.25))
    raise_by = {"feet": rng.uniform(0.1, 0.18), "plinth": rng.uniform(0.06, 0.12), "floor": 0.0}[support]
    body.apply_translation((0.0, raise_by, 0.0))
    pieces = [body]
    if support == "feet":
        foot = rng.uniform(0.035, 0.05)
        reach_x = (length / 2 - flare) * 0.75
        reach_z = radius_bottom * 0.7
        for sx in (-1, 1):
            for sz in (-1, 1):
                top = (sx * reach_x, raise_by + 0.03, sz * reach_z)
                bottom = (sx * (reach_x + 0.04), foot, sz * (reach_z + 0.04))
                pieces += [parts.rod(top, bottom, foot * 0.7), parts.ball(bottom, foot)]
    elif support == "plinth":
        plinth = parts.disc(radius_bottom * 0.8, 0.0, raise_by + 0.02, sections=32)
        plinth.apply_scale((length / width, 1.0, 1.0))
        pieces.append(plinth)
    # The middle of the rim at either end of the long axis.
    tap_x = length / 2 * (radius_top - wall / 2) / radius_top
    return pieces, raise_by + body_height, -tap_x if rng.random() < 0.5 else tap_x


def _tap(rng, tap_x, rim, wall):
    """A tap standing on the rim at `tap_x` and bending inwards over the water."""
    radius = rng.uniform(0.015, 0.025)
    rise = rng.uniform(0.12, 0.25)
    reach = rng.uniform(0.08, 0.16)
    inward = -np.sign(tap_x)
    base = (tap_x, rim - 0.02, 0.0)
    top = (tap_x, rim + rise, 0.0)
    spout = (tap_x + inward * (reach + wall), rim + rise, 0.0)
    return [
        parts.rod(base, top, radius),
        parts.ball(top, radius),
        parts.rod(top, spout, radius),
        parts.rod(spout, (spout[0], spout[1] - 0.05, 0.0), radius),
    ]
