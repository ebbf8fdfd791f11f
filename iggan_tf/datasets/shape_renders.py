"""Dataset examples from 3D objects: each object's mesh is voxelized and its binary voxels are rendered from
seeded random views by the OpenGL renderer, the pipeline that also renders generated shapes (paper 4.2).

Shared by the `synthetic_shapes` and `shapenet_renders` builders. Imports neither TensorFlow nor pyrender:
rendering happens in the worker processes of the caller's `iggan_tf.render.OpenGLRenderer`.
"""

import concurrent.futures
import dataclasses
import hashlib
from collections.abc import Callable, Iterable, Iterator
from typing import NamedTuple

import numpy as np
import tensorflow_datasets as tfds
import trimesh

from iggan_tf.datasets.skipped_inputs import SkippedInputs
from iggan_tf.geometry.cameras import ViewRange
from iggan_tf.geometry.voxelization import voxelize

# Views rendered per call of the renderer: large enough to keep every worker busy.
RENDER_BATCH_SIZE = 64


@dataclasses.dataclass(frozen=True)
class ShapeSource:
    """One object: its id and how to get its normalized mesh (which raises ValueError if it is unusable)."""

    shape_id: str
    load_mesh: Callable[[], trimesh.Trimesh]


@dataclasses.dataclass(frozen=True)
class RenderSpec:
    """How the objects of one split are rendered."""

    image_size: int
    voxel_resolution: int
    view_range: ViewRange
    views_per_object: int
    view_seed: int


def view_angles(shape_id: str, view_index: int, view_range: ViewRange, view_seed: int) -> tuple[float, float]:
    """(azimuth, elevation) in degrees of view `view_index` of `shape_id`, fixed by these arguments alone, so
    builds agree no matter in which order or on how many machines examples are made."""
    digest = hashlib.sha256(shape_id.encode("utf-8")).digest()
    words = np.frombuffer(digest[:8], dtype=np.uint32)
    azimuth, elevation = view_range.sample(np.random.default_rng([view_seed, *words.tolist(), view_index]), 1)
    return float(azimuth[0]), float(elevation[0])


class _View(NamedTuple):
    shape_id: str
    view_index: int
    voxels: np.ndarray
    azimuth: float
    elevation: float


def _views(shapes: Iterable[ShapeSource], spec: RenderSpec, skipped: SkippedInputs):
    """Yields every view of every usable shape."""
    for shape in shapes:
        try:
            voxels = voxelize(shape.load_mesh(), spec.voxel_resolution)
        except ValueError as error:
            skipped.skip(shape.shape_id, str(error))
            continue
        for view_index in range(spec.views_per_object):
            azimuth, elevation = view_angles(shape.shape_id, view_index, spec.view_range, spec.view_seed)
            yield _View(shape.shape_id, view_index, voxels, azimuth, elevation)


def _batches(iterable, size: int):
    batch = []
    for item in iterable:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def rendered_examples(
    shapes: Iterable[ShapeSource], spec: RenderSpec, skipped: SkippedInputs, renderer
) -> Iterator[tuple[str, dict]]:
    """Yields (key, example) with key `<shape_id>/<view_index>` and example {image uint8 [S, S, 1], azimuth,
    elevation, shape_id}, rendered by `renderer` (an OpenGLRenderer of image size S); unusable shapes are
    skipped, logged and counted in `skipped`.

    The next batch is voxelized while the render workers draw the current one.
    """
    if renderer.image_size != spec.image_size:
        raise ValueError(f"renderer draws {renderer.image_size}^2 images but spec.image_size is {spec.image_size}")
    used_shapes = 0
    with concurrent.futures.ThreadPoolExecutor(1) as thread:
        pending = None
        for batch in _batches(_views(shapes, spec, skipped), RENDER_BATCH_SIZE):
            used_shapes += sum(view.view_index == 0 for view in batch)
            voxels = np.stack([view.voxels for view in batch])
            azimuth = np.array([view.azimuth for view in batch], np.float32)
            elevation = np.array([view.elevation for view in batch], np.float32)
            submitted = (batch, thread.submit(renderer.render, voxels, azimuth, elevation))
            if pending:
                yield from _examples(*pending)
            pending = submitted
        if pending:
            yield from _examples(*pending)
    skipped.log_summary(used=used_shapes)


def _examples(batch, images_future):
    images = np.round(np.clip(images_future.result(), 0.0, 1.0) * 255.0).astype(np.uint8)
    for view, image in zip(batch, images):
        yield f"{view.shape_id}/{view.view_index}", {
            "image": image,
            "azimuth": np.float32(view.azimuth),
            "elevation": np.float32(view.elevation),
            "shape_id": view.shape_id,
        }


def example_features(image_size: int, class_names, shape_id_doc: str) -> tfds.features.FeaturesDict:
    """The features of a dataset of shape renders (synthetic_shapes, shapenet_renders): the grey render, its
    view, the class and the id from which the shape's ground-truth voxels can be had (`shape_id_doc`)."""
    return tfds.features.FeaturesDict(
        {
            "image": tfds.features.Image(shape=(image_size, image_size, 1), encoding_format="png"),
            "azimuth": tfds.features.Scalar(np.float32, doc="camera azimuth in degrees"),
            "elevation": tfds.features.Scalar(np.float32, doc="camera elevation in degrees"),
            "label": tfds.features.ClassLabel(names=class_names),
            "shape_id": tfds.features.Text(doc=shape_id_doc),
        }
    )
