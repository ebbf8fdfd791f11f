"""Closed solid parts (boxes, rods, revolved profiles, convex hulls) from which the shape families are built.

Every part is a watertight mesh in metres with +y up. A shape is the concatenation of its parts; parts
may overlap, because the voxelizer fills each solid and so takes their union.
"""

import numpy as np
import trimesh

# Enough facets that a round part stays round at 64^3, few enough to keep shapes under 20k faces.
ROUND_SECTIONS = 20


def box(low, high) -> trimesh.Trimesh:
    """Axis-aligned box between the corners `low` and `high` (x, y, z)."""
    low = np.asarray(low, dtype=np.float64)
    high = np.asarray(high, dtype=np.float64)
    if np.any(high <= low):
        raise ValueError(f"box corners must satisfy low < high, got low={low.tolist()} high={high.tolist()}")
    return trimesh.creation.box(
        extents=high - low, transform=trimesh.transformations.translation_matrix((low + high) / 2)
    )


def centred_box(extents, centre) -> trimesh.Trimesh:
    """Axis-aligned box of size `extents` around `centre`."""
    half = np.asarray(extents, dtype=np.float64) / 2
    return box(np.asarray(centre) - half, np.asarray(centre) + half)


def rod(start, end, radius: float, sections: int = 12) -> trimesh.Trimesh:
    """Round bar from `start` to `end` (legs, poles, rails)."""
    segment = np.array([start, end], dtype=np.float64)
    return trimesh.creation.cylinder(radius=radius, segment=segment, sections=sections)


def ball(centre, radius: float) -> trimesh.Trimesh:
    """Sphere (casters, knobs, joints)."""
    return trimesh.creation.icosphere(subdivisions=1, radius=radius).apply_translation(centre)


def disc(
    radius: float, bottom: float, top: float, centre_xz=(0.0, 0.0), sections: int = ROUND_SECTIONS
) -> trimesh.Trimesh:
    """Vertical cylinder from height `bottom` to `top` (round tops, bases, seats)."""
    x, z = centre_xz
    return rod((x, bottom, z), (x, top, z), radius, sections)


def revolved(profile, sections: int = ROUND_SECTIONS * 2) -> trimesh.Trimesh:
    """Solid of revolution about the +y axis of a closed (radius, height) polygon.

    Points on the axis (radius 0) close the solid; a polygon off the axis gives a ring, which is how
    open-topped hollow vessels are made. Either winding of the polygon gives outward faces.
    """
    outline = np.asarray(profile, dtype=np.float64)
    if not np.allclose(outline[0], outline[-1]):
        outline = np.vstack([outline, outline[:1]])
    solid = trimesh.creation.revolve(outline, sections=sections)
    if solid.volume < 0:
        solid.invert()
    # trimesh revolves about +z; turn that axis into +y.
    solid.apply_transform(trimesh.transformations.rotation_matrix(-np.pi / 2, [1.0, 0.0, 0.0]))
    return solid


def hull(points) -> trimesh.Trimesh:
    """Convex hull of `points` (tapered legs, swept wings, pedestal feet)."""
    return trimesh.convex.convex_hull(np.asarray(points, dtype=np.float64))


def side_prism(outline_zy, x_low: float, x_high: float) -> trimesh.Trimesh:
    """Convex side outline (z, y) extruded along x from `x_low` to `x_high` (car bodies and cabins)."""
    outline = np.asarray(outline_zy, dtype=np.float64)
    count = len(outline)
    left = np.column_stack([np.full(count, x_low), outline[:, 1], outline[:, 0]])
    right = np.column_stack([np.full(count, x_high), outline[:, 1], outline[:, 0]])
    return hull(np.vstack([left, right]))


def rotated(pieces, degrees: float, axis, pivot) -> list:
    """Copies of `pieces` rotated by `degrees` about `axis` through `pivot` (tilted backs, tipped lamp heads)."""
    matrix = trimesh.transformations.rotation_matrix(np.radians(degrees), axis, pivot)
    return [piece.copy().apply_transform(matrix) for piece in pieces]


def assemble(pieces) -> trimesh.Trimesh:
    """One mesh holding all `pieces`."""
    return trimesh.util.concatenate(list(pieces))
