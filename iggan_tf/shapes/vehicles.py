"""Vehicles: airliners and light aircraft, and cars of several body types, with the nose towards +z.

Built in metres (airplanes at unit fuselage length), ground or fuselage axis horizontal, +y up. Both
classes are classic ShapeNet categories; here they widen the evaluation feature network's label set.
"""

import numpy as np

from iggan_tf.shapes import parts


def build_airplane(rng: np.random.Generator):
    """A fuselage with swept wings, optional engines, and a conventional or T tail."""
    length = 1.0
    radius = rng.uniform(0.045, 0.075)
    nose = rng.uniform(0.08, 0.16)
    tail_cone = rng.uniform(0.2, 0.3)
    angles = np.linspace(0.0, np.pi / 2, 6)
    # (radius, position from tail to nose) for a body revolved about its own axis.
    profile = [(0.0, 0.0), (radius * 0.25, 0.0), (radius, tail_cone)] + [
        (radius * np.cos(a), length - nose + nose * np.sin(a)) for a in angles[1:]
    ]
    body = parts.revolved(profile, sections=24)
    body.apply_transform(_y_axis_to_z())
    body.apply_translation((0.0, 0.0, -length / 2))
    pieces = [body]
    half_span = rng.uniform(0.4, 0.6)
    root_chord = rng.uniform(0.15, 0.25)
    tip_chord = root_chord * rng.uniform(0.25, 0.6)
    sweep = np.radians(rng.uniform(0.0, 35.0))
    dihedral = np.radians(rng.uniform(0.0, 7.0))
    wing_y = radius * rng.choice((-0.6, 0.0, 0.7))
    wing_z = rng.uniform(0.0, 0.15)
    pieces += _wings(half_span, root_chord, tip_chord, sweep, dihedral, wing_y, wing_z, thickness=0.045)
    engines = int(rng.choice((0, 2, 4), p=(0.3, 0.5, 0.2)))
    if engines:
        engine_radius = rng.uniform(0.025, 0.04)
        engine_length = rng.uniform(0.12, 0.18)
        for fraction in (0.35, 0.65)[: engines // 2]:
            for sx in (-1, 1):
                x = sx * half_span * fraction
                z = wing_z - np.abs(x) * np.tan(sweep) + 0.03
                y = wing_y + np.abs(x) * np.tan(dihedral) - engine_radius * 1.1
                pieces += [
                    parts.rod((x, y, z - engine_length), (x, y, z + engine_length * 0.3), engine_radius, sections=16),
                    parts.box(
                        (x - 0.01, y, z - engine_length * 0.7),
                        (x + 0.01, y + engine_radius * 1.2, z - engine_length * 0.1),
                    ),
                ]
    fin_height = rng.uniform(0.12, 0.2)
    fin_chord = rng.uniform(0.12, 0.18)
    tail_z = -length / 2 + 0.02
    fin_sweep = fin_height * rng.uniform(0.4, 1.0)
    pieces.append(
        parts.hull(
            [(dx, 0.0, tail_z + dz) for dx in (-0.015, 0.015) for dz in (0.0, fin_chord)]
            + [
                (dx, fin_height, tail_z - fin_sweep * 0.3 + dz)
                for dx in (-0.012, 0.012)
                for dz in (fin_sweep * 0.3, fin_sweep * 0.3 + fin_chord * 0.5)
            ]
        )
    )
    t_tail = rng.random() < 0.3
    stabilizer_y = fin_height - 0.01 if t_tail else radius * 0.2
    stabilizer_z = tail_z + (fin_chord * 0.4 if t_tail else 0.0)
    pieces += _wings(
        rng.uniform(0.15, 0.25),
        fin_chord * 0.8,
        fin_chord * 0.4,
        sweep,
        0.0,
        stabilizer_y,
        stabilizer_z + fin_chord * 0.8,
        thickness=0.03,
    )
    return parts.assemble(pieces)


def _y_axis_to_z():
    """Rotation taking +y to +z, used to lay a revolved body along the flight direction."""
    return np.array([[1.0, 0.0, 0.0, 0.0], [0.0, 0.0, -1.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0]])


def _wings(half_span, root_chord, tip_chord, sweep, dihedral, y, leading_z, thickness):
    """Left and right tapered, swept wing panels whose root leading edge is at (0, y, leading_z)."""
    tip_lead = leading_z - half_span * np.tan(sweep)
    tip_y = y + half_span * np.tan(dihedral)
    panels = []
    for sx in (-1, 1):
        points = []
        for dy in (-thickness / 2, thickness / 2):
            points += [
                (0.0, y + dy, leading_z),
                (0.0, y + dy, leading_z - root_chord),
                (sx * half_span, tip_y + dy * 0.7, tip_lead),
                (sx * half_span, tip_y + dy * 0.7, tip_lead - tip_chord),
            ]
        panels.append(parts.hull(points))
    return panels


# Per body type, ranges of: length; belt-line height; cabin height; cabin rear and front as fractions of the
# length from the rear; rear-window run as a multiple of the cabin height.
BODY_TYPES = {
    "sedan": ((4.3, 4.9), (0.8, 0.9), (0.45, 0.55), (0.2, 0.28), (0.58, 0.66), (0.6, 1.2)),
    "hatchback": ((3.6, 4.2), (0.8, 0.9), (0.5, 0.6), (0.02, 0.08), (0.55, 0.62), (0.05, 0.5)),
    "suv": ((4.2, 4.9), (1.0, 1.1), (0.55, 0.7), (0.02, 0.06), (0.6, 0.68), (0.05, 0.25)),
    "pickup": ((4.9, 5.5), (1.0, 1.1), (0.55, 0.65), (0.42, 0.5), (0.62, 0.7), (0.0, 0.1)),
    "sports": ((4.0, 4.6), (0.62, 0.72), (0.3, 0.4), (0.25, 0.35), (0.55, 0.65), (0.8, 1.5)),
    "van": ((4.4, 5.2), (0.9, 1.0), (0.9, 1.1), (0.01, 0.04), (0.78, 0.86), (0.0, 0.15)),
}


def build_car(rng: np.random.Generator):
    """A car of a seeded body type: lower body, cabin, four wheels, and a load bed, roof rails or spoiler."""
    body_type = rng.choice(tuple(BODY_TYPES))
    length_range, belt_range, cabin_range, cabin_rear_range, cabin_front_range, back_range = BODY_TYPES[body_type]
    length = rng.uniform(*length_range)
    width = rng.uniform(1.65, 1.95)
    wheel = rng.uniform(0.28, 0.4) * (1.15 if body_type in ("suv", "pickup") else 1.0)
    clearance = wheel * rng.uniform(0.45, 0.75)
    belt = rng.uniform(*belt_range)
    roof = belt + rng.uniform(*cabin_range)
    front, rear = length / 2, -length / 2
    cabin_rear = rear + length * rng.uniform(*cabin_rear_range)
    cabin_front = rear + length * rng.uniform(*cabin_front_range)
    nose = rng.uniform(0.1, 0.4)
    tail = rng.uniform(0.05, 0.3)
    if body_type == "pickup":
        pieces = [
            parts.side_prism(
                [(cabin_rear, clearance), (front, clearance + 0.05), (front - nose, belt), (cabin_rear, belt)],
                -width / 2,
                width / 2,
            )
        ]
        pieces += _load_bed(rear, cabin_rear, width, clearance, belt)
    else:
        pieces = [
            parts.side_prism(
                [
                    (rear, clearance + 0.05),
                    (front, clearance + 0.05),
                    (front - nose, belt),
                    (rear + tail, belt),
                    (rear, belt - 0.1),
                ],
                -width / 2,
                width / 2,
            )
        ]
    windscreen = (roof - belt) * rng.uniform(0.8, 1.6)
    back_slope = (roof - belt) * rng.uniform(*back_range)
    cabin_width = width * rng.uniform(0.8, 0.92)
    pieces.append(
        parts.side_prism(
            [
                (cabin_rear, belt - 0.02),
                (cabin_front + windscreen * 0.3, belt - 0.02),
                (cabin_front - windscreen * 0.7, roof),
                (cabin_rear + back_slope, roof),
            ],
            -cabin_width / 2,
            cabin_width / 2,
        )
    )
    if body_type in ("suv", "van") and rng.random() < 0.4:
        for sx in (-1, 1):
            x = sx * cabin_width * 0.4
            pieces.append(
                parts.box(
                    (x - 0.04, roof - 0.01, cabin_rear + back_slope + 0.1),
                    (x + 0.04, roof + 0.08, cabin_front - windscreen * 0.7 - 0.1),
                )
            )
    if body_type in ("sports", "sedan") and rng.random() < 0.4:
        spoiler = rear + tail * 0.5
        pieces.append(
            parts.box((-width * 0.45, belt + 0.12, spoiler - 0.12), (width * 0.45, belt + 0.17, spoiler + 0.12))
        )
        pieces += [
            parts.box(
                (sx * width * 0.3 - 0.03, belt - 0.02, spoiler - 0.04),
                (sx * width * 0.3 + 0.03, belt + 0.15, spoiler + 0.04),
            )
            for sx in (-1, 1)
        ]
    front_overhang = rng.uniform(0.6, 1.0)
    rear_overhang = rng.uniform(0.6, 1.1)
    tyre = rng.uniform(0.2, 0.28)
    for z in (front - front_overhang, rear + rear_overhang):
        for sx in (-1, 1):
            x = sx * (width / 2 - tyre / 2 + 0.03)
            pieces.append(parts.rod((x - tyre / 2, wheel, z), (x + tyre / 2, wheel, z), wheel, sections=20))
    return parts.assemble(pieces)


def _load_bed(rear, cab_rear, width, clearance, belt):
    """A pickup's open load bed: floor, two sides and a tailgate behind the cab."""
    floor = clearance + 0.15
    side = 0.07
    return [
        parts.box((-width / 2, clearance, rear), (width / 2, floor, cab_rear + 0.01)),
        parts.box((-width / 2, clearance, rear), (-width / 2 + side, belt, cab_rear + 0.01)),
        parts.box((width / 2 - side, clearance, rear), (width / 2, belt, cab_rear + 0.01)),
        parts.box((-width / 2, clearance, rear), (width / 2, belt, rear + side)),
    ]
