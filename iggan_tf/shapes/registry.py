"""Names the procedural classes and turns (class, seed) into one normalized mesh, the same on every machine.

Each family builds in metres with the floor at y = 0 and the front towards +z; here the result is normalized
like ShapeNet (bounding-box diagonal 1, centred at the origin), which keeps +y up and the front at +z.
"""

import zlib
from collections.abc import Iterable

import numpy as np
import trimesh

from iggan_tf.geometry.voxelization import normalize_mesh
from iggan_tf.shapes.beds import build_bed
from iggan_tf.shapes.benches import build_bench
from iggan_tf.shapes.chairs import build_chair
from iggan_tf.shapes.couches import build_couch
from iggan_tf.shapes.lamps import build_lamp
from iggan_tf.shapes.random_cubes import build_random_cubes
from iggan_tf.shapes.shelves import build_shelf
from iggan_tf.shapes.tables import build_table
from iggan_tf.shapes.tubs import build_tub
from iggan_tf.shapes.vehicles import build_airplane, build_car
from iggan_tf.shapes.vessels import build_mug, build_vase

_BUILDERS = {
    "chair": build_chair,
    "couch": build_couch,
    "tub": build_tub,
    "table": build_table,
    "random_cubes": build_random_cubes,
    "bench": build_bench,
    "bed": build_bed,
    "shelf": build_shelf,
    "lamp": build_lamp,
    "vase": build_vase,
    "mug": build_mug,
    "airplane": build_airplane,
    "car": build_car,
}

CLASS_NAMES = tuple(_BUILDERS)


def _check_class_name(class_name) -> None:
    if class_name not in _BUILDERS:
        raise ValueError(f"class_name must be one of {', '.join(CLASS_NAMES)}; got {class_name!r}")


def _check_seed(seed, name: str = "seed") -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"{name} must be a non-negative integer, got {seed!r} of type {type(seed).__name__}")
    if seed < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {seed}")
    return int(seed)


def _generator(class_name: str, seed: int) -> np.random.Generator:
    # crc32 of the name (not hash(), which is salted per process) keeps classes independent and runs repeatable.
    return np.random.default_rng([zlib.crc32(class_name.encode("utf-8")), seed])


def make_shape(class_name: str, seed: int) -> trimesh.Trimesh:
    """The mesh of `class_name` drawn with `seed`: bounding-box diagonal 1, centred, +y up, front towards +z."""
    _check_class_name(class_name)
    seed = _check_seed(seed)
    return normalize_mesh(_BUILDERS[class_name](_generator(class_name, seed)))


def make_shapes(class_name: str, seeds) -> list:
    """Meshes of `class_name` for each of `seeds` (an iterable of non-negative integers)."""
    _check_class_name(class_name)
    if isinstance(seeds, (str, bytes)) or not isinstance(seeds, Iterable):
        raise ValueError(f"seeds must be an iterable of non-negative integers, got {seeds!r}")
    seeds = [_check_seed(seed, f"seeds[{index}]") for index, seed in enumerate(seeds)]
    return [make_shape(class_name, seed) for seed in seeds]
