"""Triangle meshes to solid N^3 occupancy grids in the convention of DESIGN section 2 (numpy only).

Dataset shapes (procedural and ShapeNet) pass through here before rendering and for 3D metrics. Occupied =
every voxel the surface touches (so thin legs and plates survive) plus the interior: by the non-zero winding
rule along grid columns for closed, consistently oriented meshes (overlapping parts stay solid), otherwise
by filling the cavities that the surface shell encloses (ShapeNet models are usually open triangle soups).
"""

import numpy as np
import trimesh
from scipy import ndimage

# Candidate (triangle, voxel) pairs tested at once: bounds the temporary arrays to tens of MB.
_CANDIDATES_PER_BATCH = 1 << 18
# Relative slack on the voxel half-size, so rounding cannot drop a triangle that just touches a voxel.
_OVERLAP_SLACK = 1e-9
# Vertices may overshoot the unit cube by this much (rounding in normalized files) before it is an error.
_BOUNDS_TOLERANCE = 1e-4


def _check_mesh(mesh, name: str = "mesh") -> tuple[np.ndarray, np.ndarray]:
    """Returns (vertices float64 [V, 3], faces int64 [F, 3]); ValueError naming `name` for unusable meshes."""
    if not isinstance(mesh, trimesh.Trimesh):
        raise ValueError(f"{name} must be a trimesh.Trimesh, got {type(mesh).__name__}")
    vertices = np.asarray(mesh.vertices, dtype=np.float64)
    faces = np.asarray(mesh.faces, dtype=np.int64)
    if len(vertices) == 0 or len(faces) == 0:
        raise ValueError(f"{name} is empty: {len(vertices)} vertices, {len(faces)} faces")
    if not np.all(np.isfinite(vertices)):
        raise ValueError(f"{name} has NaN or infinite vertex coordinates")
    return vertices, faces


def normalize_mesh(mesh: trimesh.Trimesh) -> trimesh.Trimesh:
    """A copy of `mesh` centred on its bounding-box centre and scaled to bounding-box diagonal 1 (ShapeNet's
    normalization), so that it lies inside [-0.5, 0.5]^3."""
    vertices, _ = _check_mesh(mesh)
    low, high = vertices.min(axis=0), vertices.max(axis=0)
    diagonal = float(np.linalg.norm(high - low))
    if diagonal == 0.0:
        raise ValueError("mesh has a zero-size bounding box (all vertices coincide)")
    normalized = mesh.copy()
    normalized.vertices = (vertices - (low + high) / 2.0) / diagonal
    return normalized


def voxelize(mesh: trimesh.Trimesh, resolution: int) -> np.ndarray:
    """Solid occupancy bool [N, N, N] (N = `resolution`, grid v[x, y, z] over [-0.5, 0.5]^3) of a mesh that
    lies inside the unit cube (see `normalize_mesh`).

    Voxels the surface touches are always occupied. Closed, consistently oriented meshes add the voxels whose
    centre is inside by the non-zero winding rule; other meshes add the cavities their surface shell encloses
    (an open container such as a tub stays hollow; gaps well below a voxel do not leak).
    """
    vertices, faces = _check_mesh(mesh)
    if isinstance(resolution, bool) or not isinstance(resolution, (int, np.integer)) or resolution < 2:
        raise ValueError(f"resolution must be an integer >= 2, got {resolution!r}")
    triangles = vertices[faces]
    if np.any(np.abs(triangles) > 0.5 + _BOUNDS_TOLERANCE):
        raise ValueError(
            f"mesh must lie inside [-0.5, 0.5]^3 (ShapeNet normalization), but spans "
            f"{triangles.min(axis=(0, 1))} to {triangles.max(axis=(0, 1))}; normalize it with normalize_mesh first"
        )
    resolution = int(resolution)
    # Grid coordinates: voxel i spans [i, i + 1] and has its centre at i + 0.5.
    triangles = (np.clip(triangles, -0.5, 0.5) + 0.5) * resolution
    surface = _surface_voxels(triangles, resolution)
    if mesh.is_watertight and mesh.is_winding_consistent:
        return surface | _winding_interior(triangles, resolution)
    return ndimage.binary_fill_holes(surface)


def _expand_candidates(low: np.ndarray, high: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For inclusive integer boxes [low, high] ([T, D]) returns (box index [K], point [K, D]) for every
    integer point of every box."""
    extent = high - low + 1
    counts = np.prod(extent, axis=1)
    owner = np.repeat(np.arange(len(low)), counts)
    # Position of each point inside its own box, unravelled over that box's extent.
    local = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    points = np.empty((len(owner), low.shape[1]), dtype=np.int64)
    for axis in reversed(range(low.shape[1])):
        size = extent[owner, axis]
        points[:, axis] = low[owner, axis] + local % size
        local //= size
    return owner, points


def _candidate_batches(low: np.ndarray, high: np.ndarray):
    """Yields (triangle index [K], integer point [K, D]) for all points of the boxes [low, high], in batches
    of about _CANDIDATES_PER_BATCH so that memory stays bounded for large meshes and large triangles."""
    counts = np.prod(high - low + 1, axis=1)
    group = (np.cumsum(counts) - counts) // _CANDIDATES_PER_BATCH
    bounds = np.concatenate([[0], np.flatnonzero(np.diff(group)) + 1, [len(counts)]])
    for start, end in zip(bounds[:-1], bounds[1:]):
        owner, points = _expand_candidates(low[start:end], high[start:end])
        owner += start
        # A single huge triangle can still expand to many points: hand them out in slices.
        for offset in range(0, len(owner), _CANDIDATES_PER_BATCH):
            yield owner[offset:offset + _CANDIDATES_PER_BATCH], points[offset:offset + _CANDIDATES_PER_BATCH]


def _surface_voxels(triangles: np.ndarray, resolution: int) -> np.ndarray:
    """Voxels that intersect at least one triangle ([T, 3, 3] in grid coordinates), by the separating axis
    test (Akenine-Moeller): the box axes (via the candidate boxes), the normal and nine edge cross products."""
    surface = np.zeros((resolution,) * 3, dtype=bool)
    low = np.clip(np.floor(triangles.min(axis=1)).astype(np.int64), 0, resolution - 1)
    high = np.clip(np.floor(triangles.max(axis=1)).astype(np.int64), 0, resolution - 1)
    edges = np.roll(triangles, -1, axis=1) - triangles
    normals = np.cross(edges[:, 0], edges[:, 1])
    unit_axes = np.eye(3)
    cross_axes = np.cross(unit_axes[None, :, None, :], edges[:, None, :, :]).reshape(-1, 9, 3)
    axes = np.concatenate([normals[:, None], cross_axes], axis=1)  # [T, 10, 3]
    projections = np.einsum("tad,tvd->tav", axes, triangles)
    radius = 0.5 * (1.0 + _OVERLAP_SLACK) * np.abs(axes).sum(axis=-1)
    lowest = projections.min(axis=-1) - radius
    highest = projections.max(axis=-1) + radius
    for owner, voxels in _candidate_batches(low, high):
        # The box around a centre overlaps the triangle on an axis iff the centre's projection is in range.
        for axis in range(axes.shape[1]):
            centre_projection = np.einsum("kd,kd->k", axes[owner, axis], voxels + 0.5)
            overlaps = (centre_projection >= lowest[owner, axis]) & (centre_projection <= highest[owner, axis])
            owner, voxels = owner[overlaps], voxels[overlaps]
        surface[voxels[:, 0], voxels[:, 1], voxels[:, 2]] = True
    return surface


def _edge_functions(points: np.ndarray, corners: np.ndarray) -> np.ndarray:
    """Edge functions [K, 3] of points [K, 2] for triangles [K, 3, 2]: > 0 left of the edge v -> v+1.

    Each edge is evaluated from its lexicographically smaller end and negated if reversed, so the two
    triangles sharing an edge get exactly opposite values and a ray near the edge is never counted twice.
    """
    ends = np.roll(corners, -1, axis=1)
    reversed_edge = (corners[..., 0] > ends[..., 0]) | (
        (corners[..., 0] == ends[..., 0]) & (corners[..., 1] > ends[..., 1])
    )
    start = np.where(reversed_edge[..., None], ends, corners)
    stop = np.where(reversed_edge[..., None], corners, ends)
    edge = stop - start
    relative = points[:, None, :] - start
    canonical = edge[..., 0] * relative[..., 1] - edge[..., 1] * relative[..., 0]
    return np.where(reversed_edge, -canonical, canonical)


def _winding_interior(triangles: np.ndarray, resolution: int) -> np.ndarray:
    """Voxels whose centre has a non-zero winding number, counted along rays in +z through the voxel columns.

    Each triangle a column's ray crosses adds +1 (entering) or -1 (leaving) to every voxel centre beyond the
    crossing. Rays through shared edges or vertices count for exactly one triangle (the top-left fill rule,
    i.e. the column point nudged by (eps, eps^2)), so closed meshes never get spurious crossings.
    """
    signed_area = np.cross(triangles[:, 1, :2] - triangles[:, 0, :2], triangles[:, 2, :2] - triangles[:, 0, :2])
    keep = signed_area != 0.0  # triangles seen edge-on along z are never crossed
    triangles, signed_area = triangles[keep], signed_area[keep]
    # Counter-clockwise order in xy so that one fill rule serves every triangle.
    clockwise = signed_area < 0
    triangles[clockwise] = triangles[clockwise][:, ::-1]
    # A clockwise triangle's normal points to -z: a ray going +z enters the solid there.
    facing = np.where(clockwise, 1, -1).astype(np.int32)
    corners = triangles[:, :, :2]
    edges = np.roll(corners, -1, axis=1) - corners
    # Which edges own the column points lying exactly on them (the (eps, eps^2) nudge lands inside).
    owns_boundary = (edges[..., 1] < 0) | ((edges[..., 1] == 0) & (edges[..., 0] > 0))
    low = np.clip(np.ceil(corners.min(axis=1) - 0.5).astype(np.int64), 0, resolution)
    high = np.clip(np.floor(corners.max(axis=1) - 0.5).astype(np.int64), -1, resolution - 1)
    low = np.minimum(low, high + 1)
    crossings = np.zeros((resolution, resolution, resolution + 1), dtype=np.int32)
    for owner, columns in _candidate_batches(low, high):
        edge_function = _edge_functions(columns + 0.5, corners[owner])
        inside = np.all((edge_function > 0) | ((edge_function == 0) & owns_boundary[owner]), axis=1)
        owner, columns, edge_function = owner[inside], columns[inside], edge_function[inside]
        # The barycentric weight of vertex v is the edge function of the opposite edge v+1 -> v+2.
        weights = np.roll(edge_function, -1, axis=1)
        depth = np.einsum("kv,kv->k", weights, triangles[owner, :, 2]) / weights.sum(axis=1)
        first_beyond = np.clip(np.floor(depth - 0.5).astype(np.int64) + 1, 0, resolution)
        np.add.at(crossings, (columns[:, 0], columns[:, 1], first_beyond), facing[owner])
    return np.cumsum(crossings, axis=2)[..., :resolution] != 0
