"""Hollow rate: the share of shapes that hold an open-top cavity, the concavity that visual-hull and
absorption-only baselines fill in ("seemingly filled bathtubs", paper Section 5.2).

Definition, on a binary grid v[x, y, z] with +y up:

- A voxel is *laterally enclosed* when it is empty and, within its own horizontal slice (fixed y), it
  cannot reach the slice's border through empty voxels that share an edge (4-neighbourhood): walls
  surround it at its own height. Cracks where wall voxels touch only diagonally do not leak.
- A voxel is *floored* when some voxel below it in its column is occupied.
- Laterally enclosed, floored voxels form *candidate* regions (6-connected components). A region is
  *open* when it contains a voxel with no occupied voxel anywhere above it in its column: it can be
  reached, or filled, straight from above. The *open cavity* is the union of open regions, so a
  vase's belly counts through its neck, while the sealed inside of a closed box does not.
- The *cavity fraction* is the open cavity's volume over the volume of the shape with its cavity
  filled in (occupied voxels plus open cavity): the share of the filled-in shape that is open space.
  An empty grid has fraction 0. A shape is *hollow* when its cavity fraction is at least
  `minimum_cavity_fraction`; the hollow rate of a set is the share of hollow shapes.

Per-slice enclosure keeps the measure robust to the defects of generated shapes: a hole in a wall
loses only the slices it opens, and a hole in the floor only the columns above it, where a
water-filling definition would drain the whole cavity. Dividing by the filled-in volume rather than
the bounding box keeps taps, feet, handles and stray voxels from diluting the fraction beyond their
own volume. The open-top rule is a single voxel wide, so a lid with any gap opens its cavity.
Enclosure is lateral on all sides, so containers (tubs, vases, mugs) are hollow but a couch's seat,
open at the front, is not.

The default threshold of 0.1 sits well below ground-truth tubs (measured cavity fractions 0.2 to 0.5 at 32^3
and 0.29 to 0.59 at 64^3 over seeds 0..39 of iggan_tf.shapes) and above surface roughness: a pit one
voxel deep across the whole top of a solid block H voxels high is a fraction of at most 1 / H.
"""

import dataclasses

import numpy as np
from scipy import ndimage

from iggan_tf.geometry.meshing import check_binary_voxels
from iggan_tf.metrics.score import Score

DEFAULT_MINIMUM_CAVITY_FRACTION = 0.1

# Background connectivity within one horizontal x-z slice only (axes x, y, z): an edge-sharing
# neighbour in x or z, never a voxel above or below.
_SLICE_NEIGHBOURS = np.zeros((3, 3, 3), bool)
_SLICE_NEIGHBOURS[:, 1, :] = ndimage.generate_binary_structure(2, 1)


@dataclasses.dataclass(frozen=True)
class HollowRateScore(Score):
    """The hollow rate with the mean cavity fraction (a continuous companion) and the threshold used."""

    metric = "hollow_rate"
    value: float
    mean_cavity_fraction: float
    minimum_cavity_fraction: float
    n_shapes: int


def _check_grid(grid) -> np.ndarray:
    array = np.asarray(grid)
    if array.ndim != 3:
        raise ValueError(f"grid must be one voxel grid [N, N, N], got shape {array.shape}")
    return check_binary_voxels(array[None], "grid")[0]


def open_cavity(grid) -> np.ndarray:
    """The open cavity (see the module docstring) of one binary grid [N, N, N], as bool [N, N, N]."""
    occupied = _check_grid(grid)
    # One empty layer on every side: binary_fill_holes treats the array border as outside, and a
    # shape touching the grid must still have an outside around it.
    padded = np.pad(occupied, 1)
    laterally_enclosed = (ndimage.binary_fill_holes(padded, _SLICE_NEIGHBOURS) & ~padded)[1:-1, 1:-1, 1:-1]
    occupied_at_or_below = np.logical_or.accumulate(occupied, axis=1)
    floored = np.zeros_like(occupied)
    floored[:, 1:, :] = occupied_at_or_below[:, :-1, :]
    open_to_sky = ~np.logical_or.accumulate(occupied[:, ::-1, :], axis=1)[:, ::-1, :]
    candidates = laterally_enclosed & floored
    regions, _ = ndimage.label(candidates)
    open_regions = np.unique(regions[candidates & open_to_sky])
    return np.isin(regions, open_regions[open_regions > 0])


def cavity_fraction(grid) -> float:
    """Open-cavity volume over occupied plus open-cavity volume of one grid [N, N, N] (0 if empty)."""
    occupied_volume = int(_check_grid(grid).sum())
    if occupied_volume == 0:
        return 0.0
    cavity_volume = int(open_cavity(grid).sum())
    return cavity_volume / (occupied_volume + cavity_volume)


def hollow_rate(voxels, minimum_cavity_fraction: float = DEFAULT_MINIMUM_CAVITY_FRACTION) -> HollowRateScore:
    """Share of the grids in `voxels` [B, N, N, N] whose cavity fraction is >= `minimum_cavity_fraction`."""
    grids = check_binary_voxels(voxels, "voxels")
    if len(grids) == 0:
        raise ValueError("voxels must hold at least one grid")
    if not 0.0 < minimum_cavity_fraction <= 1.0:
        raise ValueError(f"minimum_cavity_fraction must lie in (0, 1], got {minimum_cavity_fraction}")
    fractions = np.array([cavity_fraction(grid) for grid in grids])
    return HollowRateScore(
        value=float(np.mean(fractions >= minimum_cavity_fraction)),
        mean_cavity_fraction=float(fractions.mean()),
        minimum_cavity_fraction=float(minimum_cavity_fraction),
        n_shapes=len(grids),
    )
