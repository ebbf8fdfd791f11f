"""The procedural shape collection behind `synthetic_shapes`: which seeds are a class's training and held-out
shapes, their shape ids, and the ground-truth voxels of any shape id (for 3D metrics). numpy only.

A shape id `<class>/<seed>` fixes the shape completely (`iggan_tf.shapes.make_shape`), so ground truth is
regenerated rather than stored: `ground_truth_voxels(shape_ids, resolution)` gives exactly the voxels whose
renders are in the dataset when `resolution` is the dataset's `voxel_resolution` (in its metadata).
"""

import numpy as np

from iggan_tf.datasets import settings, splits
from iggan_tf.datasets.shape_renders import ShapeSource
from iggan_tf.geometry.voxelization import voxelize
from iggan_tf.shapes import CLASS_NAMES, make_shape

# Held-out shapes use seeds from here on; training shapes use seeds below it, in every config and class.
HELD_OUT_SEED_OFFSET = 1_000_000


def _check_class_name(class_name: str) -> None:
    if class_name not in CLASS_NAMES:
        raise ValueError(f"class_name must be one of {CLASS_NAMES}, got {class_name!r}")


def collection_size(class_name: str, split: str) -> int:
    """Objects of `class_name` in `split`: the paper's ShapeNet category sizes for training, and held-out
    objects making up HELD_OUT_FRACTION of the whole collection."""
    _check_class_name(class_name)
    train = settings.PAPER_OBJECT_COUNTS.get(class_name, settings.DEFAULT_OBJECT_COUNT)
    if split == splits.TRAIN:
        return train
    if split == splits.TEST:
        return round(train * settings.HELD_OUT_FRACTION / (1.0 - settings.HELD_OUT_FRACTION))
    raise ValueError(f"split must be {splits.TRAIN!r} or {splits.TEST!r}, got {split!r}")


def object_count(class_name: str, split: str, wanted: int | None) -> int:
    """How many objects a setting asking for `wanted` (None: all) gets from `split`: at most all of them, as
    a ShapeNet category gives at most the models it has."""
    available = collection_size(class_name, split)
    return available if wanted is None else min(wanted, available)


def split_shape_ids(class_name: str, split: str, count: int | None = None) -> list[str]:
    """The first `count` shape ids of `class_name` in `split` (all of that split when None)."""
    available = collection_size(class_name, split)
    if count is None:
        count = available
    if not isinstance(count, int) or not 0 < count <= available:
        raise ValueError(f"count must be an integer in [1, {available}] for {class_name} {split}, got {count!r}")
    first_seed = HELD_OUT_SEED_OFFSET if split == splits.TEST else 0
    return [f"{class_name}/{seed}" for seed in range(first_seed, first_seed + count)]


def parse_shape_id(shape_id: str) -> tuple[str, int]:
    """(class name, seed) of a shape id `<class>/<seed>`; ValueError naming the id if it is malformed."""
    class_name, _, seed = str(shape_id).partition("/")
    if class_name not in CLASS_NAMES or not seed.isdigit():
        raise ValueError(f"shape_id must look like '<class>/<seed>' with a class of {CLASS_NAMES}, got {shape_id!r}")
    return class_name, int(seed)


def shape_source(shape_id: str) -> ShapeSource:
    """The mesh source of a shape id, for rendering."""
    class_name, seed = parse_shape_id(shape_id)
    return ShapeSource(shape_id, lambda: make_shape(class_name, seed))


def ground_truth_voxels(shape_ids, resolution: int) -> np.ndarray:
    """Solid occupancy bool [M, N, N, N] of the shapes `shape_ids` at `resolution` N, e.g. the held-out
    shapes `split_shape_ids(class_name, "test")` as the reference set of 3D metrics."""
    ids = [shape_ids] if isinstance(shape_ids, str) else list(shape_ids)
    if not ids:
        raise ValueError("shape_ids must name at least one shape")
    return np.stack([voxelize(make_shape(*parse_shape_id(shape_id)), resolution) for shape_id in ids])
