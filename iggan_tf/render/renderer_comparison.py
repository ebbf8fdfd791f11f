"""One picture of the same shapes drawn by every renderer of the registry: how pyrender's lights and shadows,
the fast unlit path and Blender's path tracer differ is easier seen than described (README, Renderers).

Rows are renderer settings, columns the shapes (procedural, voxelized as the datasets voxelize them), each seen
from the same views. A renderer whose environment is missing is left out and named in the returned list.
"""

import dataclasses

import numpy as np
from PIL import Image, ImageDraw

from iggan_tf.geometry.voxelization import voxelize
from iggan_tf.pictures import image_grid
from iggan_tf.render import OpenGLRenderer, backends
from iggan_tf.shapes import make_shape

# Label strip left of each row, in pixels.
_LABEL_WIDTH = 150


@dataclasses.dataclass(frozen=True)
class RendererComparison:
    classes: tuple = ("tub", "couch", "chair", "table")
    seed: int = 0
    voxel_size: int = 64
    image_size: int = 128
    # Seen from the front-left and from behind, above: the tub's hollow and the shadows both show.
    views: tuple = ((30.0, 30.0), (210.0, 45.0))
    workers: int = 2
    renderers: tuple = backends.RENDERER_NAMES


def _settings(renderers):
    """(label, renderer, shadows) of each renderer, with and without shadows where it draws them."""
    for name in renderers:
        backend = backends.backend(name)
        for shadows in ((True, False) if backend.draws_shadows else (False,)):
            yield (f"{name}{'' if shadows else ' no shadows'}", name, shadows)


def _labelled(row: np.ndarray, label: str) -> np.ndarray:
    strip = Image.new("L", (_LABEL_WIDTH, row.shape[0]), 128)
    ImageDraw.Draw(strip).text((6, row.shape[0] // 2 - 6), label, fill=255)
    return np.concatenate([np.asarray(strip)[..., np.newaxis], row], axis=1)


def compare_renderers(settings: RendererComparison = RendererComparison()) -> tuple[np.ndarray, list]:
    """(picture uint8 [H, W, 1], [(renderer, why it was left out)])."""
    voxels = np.stack([voxelize(make_shape(name, settings.seed), settings.voxel_size) for name in settings.classes])
    azimuth = np.array([view[0] for _ in settings.classes for view in settings.views], np.float32)
    elevation = np.array([view[1] for _ in settings.classes for view in settings.views], np.float32)
    repeated = np.repeat(voxels, len(settings.views), axis=0)
    rows, missing = [], []
    for label, name, shadows in _settings(settings.renderers):
        reason = backends.backend(name).unavailable_reason()
        if reason:
            missing.append((label, reason))
            continue
        with OpenGLRenderer(settings.image_size, workers=settings.workers, renderer=name, shadows=shadows) as pool:
            images = pool.render(repeated, azimuth, elevation)
        rows.append(_labelled(image_grid(images, columns=len(images)), label))
    if not rows:
        raise RuntimeError(f"no renderer can run here: {missing}")
    return np.concatenate(rows, axis=0), missing
