"""The lamp family: floor lamps, table lamps, arc lamps and articulated desk lamps.

Built in metres, floor at y = 0; lamps that reach or point somewhere do so towards +z. Shades are
open shells of real thickness, so the bulb inside shows from below.
"""

import numpy as np

from iggan_tf.shapes import parts


def build_lamp(rng: np.random.Generator):
    """A lamp of a seeded kind with seeded proportions."""
    kind = rng.choice(("floor", "table", "arc", "desk"))
    return parts.assemble({"floor": _floor, "table": _table, "arc": _arc, "desk": _desk}[kind](rng))


def _open_shade(rng, bottom_radius, top_radius, height, thickness):
    """A truncated-cone shell open at both ends, standing on y = 0, with a bulb hanging inside."""
    profile = [
        (bottom_radius, 0.0),
        (top_radius, height),
        (top_radius - thickness, height),
        (bottom_radius - thickness, 0.0),
    ]
    bulb = parts.ball((0.0, height * 0.45, 0.0), min(top_radius, bottom_radius) * rng.uniform(0.35, 0.5))
    spokes = [
        parts.rod(
            (0.0, height * 0.45, 0.0), (sx * (top_radius - thickness / 2), height - thickness, 0.0), thickness / 2
        )
        for sx in (-1, 1)
    ]
    return [parts.revolved(profile), bulb] + spokes


def _floor(rng):
    """A pole on a disc or a tripod, under a cone shade or a torchiere bowl, sometimes with a reading arm."""
    height = rng.uniform(1.3, 1.8)
    pole = rng.uniform(0.025, 0.035)
    base_radius = rng.uniform(0.12, 0.25)
    if rng.random() < 0.65:
        pieces = [parts.disc(base_radius, 0.0, rng.uniform(0.03, 0.06)), parts.disc(pole, 0.0, height)]
    else:
        hub = height * rng.uniform(0.25, 0.45)
        pieces = [parts.disc(pole, hub, height)]
        for angle in np.linspace(0.0, 2 * np.pi, 3, endpoint=False) + np.pi:
            pieces.append(
                parts.rod(
                    (0.0, hub, 0.0), (base_radius * 1.5 * np.sin(angle), 0.0, base_radius * 1.5 * np.cos(angle)), pole
                )
            )
    if rng.random() < 0.7:
        shade_height = rng.uniform(0.25, 0.4)
        bottom = rng.uniform(0.18, 0.28)
        shade = _open_shade(rng, bottom, bottom * rng.uniform(0.55, 1.0), shade_height, 0.03)
        pieces += [part.apply_translation((0.0, height - shade_height * 0.7, 0.0)) for part in shade]
    else:
        # Torchiere: a bowl open at the top throws the light at the ceiling.
        radius = rng.uniform(0.2, 0.3)
        depth = radius * rng.uniform(0.3, 0.6)
        angles = np.linspace(-np.pi / 2, 0.0, 7)
        outer = [(radius * np.cos(a), depth * (1 + np.sin(a))) for a in angles]
        inner = [((radius - 0.03) * np.cos(a), 0.03 + (depth - 0.03) * (1 + np.sin(a))) for a in angles[::-1]]
        bowl = parts.revolved([(0.0, 0.0)] + outer[1:] + inner[:-1] + [(0.0, 0.03)])
        pieces.append(bowl.apply_translation((0.0, height, 0.0)))
    if rng.random() < 0.3:
        # A reading arm branching forwards with a small cone shade.
        joint = height * rng.uniform(0.55, 0.75)
        tip = np.array((0.0, joint + 0.25, rng.uniform(0.3, 0.45)))
        pieces.append(parts.rod((0.0, joint, 0.0), tip, pole * 0.8))
        pieces += [part.apply_translation(tip - (0.0, 0.1, 0.0)) for part in _dome(rng, 0.08, 0.12)]
    return pieces


def _table(rng):
    body_height = rng.uniform(0.2, 0.4)
    body_radius = rng.uniform(0.06, 0.12)
    style = rng.choice(("jar", "column", "globe"))
    if style == "jar":
        belly = body_radius * rng.uniform(1.1, 1.5)
        body = parts.revolved(
            [
                (0.0, 0.0),
                (body_radius, 0.0),
                (belly, body_height * 0.45),
                (body_radius * 0.5, body_height),
                (0.0, body_height),
            ]
        )
        pieces = [body]
    elif style == "column":
        pieces = [parts.disc(body_radius * 1.4, 0.0, 0.03), parts.disc(body_radius * 0.5, 0.0, body_height)]
    else:
        globe = body_radius * 1.4
        pieces = [parts.disc(body_radius, 0.0, 0.03), parts.ball((0.0, globe, 0.0), globe)]
        body_height = 2 * globe
    neck = rng.uniform(0.1, 0.2)
    pieces.append(parts.disc(0.015, body_height - 0.01, body_height + neck))
    shade_height = rng.uniform(0.18, 0.3)
    bottom = rng.uniform(0.16, 0.24)
    top = bottom * rng.uniform(0.5, 0.95)
    shade = _open_shade(rng, bottom, top, shade_height, 0.02)
    pieces += [part.apply_translation((0.0, body_height + neck - shade_height * 0.4, 0.0)) for part in shade]
    return pieces


def _arc(rng):
    """A heavy base, a pole curving forward over +z, and a dome hanging from its end."""
    base = rng.uniform(0.15, 0.22)
    if rng.random() < 0.5:
        pieces = [parts.disc(base, 0.0, 0.05)]
    else:
        pieces = [parts.box((-base, 0.0, -base), (base, 0.08, base))]
    rise = rng.uniform(1.0, 1.4)
    reach = rng.uniform(0.9, 1.4)
    pole = rng.uniform(0.03, 0.04)
    # A quarter ellipse from the top of a straight riser to the point above the dome.
    straight = rng.uniform(0.4, 0.8)
    angles = np.linspace(0.0, np.pi / 2, 9)
    points = [(0.0, straight + rise * np.sin(a), reach * (1 - np.cos(a))) for a in angles]
    points = [(0.0, 0.0, 0.0)] + points
    points[-1] = (0.0, straight + rise, reach)
    pieces += [parts.rod(points[i], points[i + 1], pole) for i in range(len(points) - 1)]
    pieces += [parts.ball(point, pole) for point in points[1:-1]]
    drop = rng.uniform(0.05, 0.25)
    tip = np.array(points[-1])
    pieces.append(parts.rod(tip, tip - (0.0, drop, 0.0), pole * 0.7))
    radius = rng.uniform(0.2, 0.3)
    dome_height = radius * rng.uniform(0.5, 0.9)
    pieces += [part.apply_translation(tip - (0.0, drop + dome_height, 0.0)) for part in _dome(rng, radius, dome_height)]
    return pieces


def _dome(rng, radius, height):
    """A shade closed at the top and open at the bottom, standing on y = 0, with a bulb inside."""
    thickness = max(0.02, radius * 0.12)
    angles = np.linspace(0.0, np.pi / 2, 8)
    outer = [(radius * np.cos(a), height * np.sin(a)) for a in angles]
    inner = [((radius - thickness) * np.cos(a), (height - thickness) * np.sin(a)) for a in angles[::-1]]
    shell = parts.revolved(outer + inner)
    bulb = parts.ball((0.0, height * 0.4, 0.0), radius * rng.uniform(0.25, 0.4))
    return [shell, bulb, parts.disc(thickness, height * 0.4, height)]


def _desk(rng):
    """A base, a two-segment arm leaning back then reaching forward, and a head tipped towards +z."""
    base = rng.uniform(0.07, 0.11)
    pieces = [parts.disc(base, 0.0, rng.uniform(0.02, 0.04))]
    arm = rng.uniform(0.012, 0.02)
    lower = rng.uniform(0.28, 0.42)
    upper = rng.uniform(0.28, 0.42)
    lean = np.radians(rng.uniform(-25.0, 10.0))
    elbow = np.array((0.0, lower * np.cos(lean), -lower * np.sin(lean)))
    reach = np.radians(rng.uniform(40.0, 80.0))
    wrist = elbow + (0.0, upper * np.cos(reach) * rng.uniform(-0.3, 0.6), upper * np.sin(reach))
    pieces += [parts.rod((0.0, 0.0, 0.0), elbow, arm), parts.ball(elbow, arm * 1.8), parts.rod(elbow, wrist, arm)]
    radius = rng.uniform(0.06, 0.1)
    head_height = radius * rng.uniform(0.8, 1.4)
    # Hang the head from its crown at the origin, tip its opening forwards, then move the crown to the wrist.
    head = [part.apply_translation((0.0, -head_height, 0.0)) for part in _dome(rng, radius, head_height)]
    head = parts.rotated(head, -rng.uniform(10.0, 40.0), (1.0, 0.0, 0.0), (0.0, 0.0, 0.0))
    pieces += [part.apply_translation(wrist) for part in head]
    return pieces
