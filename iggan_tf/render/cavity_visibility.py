"""How much of a container's cavity a renderer shows: the mean brightness difference, inside the silhouette,
between renders of procedural shapes and of a twin of each from random views: the same shape with its open cavity
filled in, or with the floor under the cavity taken away (what a generator that draws rings instead of tubs
misses).

IG-GAN can only learn a concavity its renderer makes visible (paper 5.2: the baselines "fail to take advantage
of the shading cues needed to detect the hollow space"). A renderer setting whose difference is near zero gives
the discriminator no reason to prefer a hollow tub over a solid block, so it decides whether a hollow-rate goal
is reachable before any training run is spent on it; the floorless twin says how much a floor shows.
"""

import dataclasses

import numpy as np

from iggan_tf.geometry.cameras import FULL_TURN_HIGH, ViewRange
from iggan_tf.geometry.voxelization import voxelize
from iggan_tf.metrics.hollow_rate import open_cavity
from iggan_tf.render import OpenGLRenderer
from iggan_tf.shapes import make_shapes


TWINS = ("filled", "floorless")


@dataclasses.dataclass(frozen=True)
class CavityVisibility:
    class_name: str = "tub"
    shapes: int = 16
    voxel_size: int = 32
    image_size: int = 64
    view_range: ViewRange = FULL_TURN_HIGH  # the tubs datasets' views
    seed: int = 0
    workers: int = 2
    twin: str = "filled"  # one of TWINS

    def __post_init__(self):
        if self.twin not in TWINS:
            raise ValueError(f"twin must be one of {', '.join(TWINS)}, got {self.twin!r}")
        for name in ("shapes", "voxel_size", "image_size", "workers"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {value!r}")


def floorless(grid: np.ndarray, cavity: np.ndarray) -> np.ndarray:
    """`grid` without the voxels under its open `cavity`: every column that holds cavity emptied below it."""
    columns = cavity.any(axis=1)  # [x, z]
    lowest = np.argmax(cavity, axis=1)  # per column, the lowest cavity voxel (y is axis 1)
    below = np.arange(grid.shape[1])[np.newaxis, :, np.newaxis] < lowest[:, np.newaxis, :]
    return grid & ~(below & columns[:, np.newaxis, :])


def hollow_and_twin(settings: CavityVisibility) -> tuple[np.ndarray, np.ndarray]:
    """Binary voxels float32 [B, N, N, N, 1] of the class's shapes that have an open cavity, and of their twins
    (`settings.twin`); ValueError when none of them has one."""
    grids = [voxelize(mesh, settings.voxel_size)
             for mesh in make_shapes(settings.class_name, range(settings.seed, settings.seed + settings.shapes))]
    cavities = [open_cavity(grid) for grid in grids]
    kept = [index for index, cavity in enumerate(cavities) if cavity.any()]
    if not kept:
        raise ValueError(f"none of the {settings.shapes} {settings.class_name} shapes has an open cavity")
    hollow = np.stack([grids[index] for index in kept])
    cavity = np.stack([cavities[index] for index in kept])
    if settings.twin == "filled":
        twin = hollow | cavity
    else:
        twin = np.stack([floorless(grid, grid_cavity) for grid, grid_cavity in zip(hollow, cavity)])
    return hollow[..., np.newaxis].astype(np.float32), twin[..., np.newaxis].astype(np.float32)


def cavity_visibility(settings: CavityVisibility, renderer: str, shadows: bool) -> dict:
    """{"mean_difference", "largest_difference", "shapes"}: mean and largest |hollow - twin| brightness over
    the pixels either render covers, for `renderer` with or without `shadows`, each shape from one random view."""
    hollow, twin = hollow_and_twin(settings)
    azimuth, elevation = settings.view_range.sample(np.random.default_rng(settings.seed), len(hollow))
    with OpenGLRenderer(settings.image_size, workers=settings.workers, renderer=renderer, shadows=shadows) as pool:
        hollow_images = pool.render(hollow, azimuth, elevation)
        twin_images = pool.render(twin, azimuth, elevation)
    difference = np.abs(hollow_images - twin_images)
    covered = (hollow_images > 0) | (twin_images > 0)
    return {"mean_difference": float(difference[covered].mean()), "largest_difference": float(difference.max()),
            "shapes": int(len(hollow))}
