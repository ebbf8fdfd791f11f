"""What a training run shows while it learns: grids of real images, OpenGL renders of generated shapes and the
images G is trained through (neural renders for IG-GAN, a 3D baseline's formula images, a 2D baseline's own
images), and meshes of samples.

Fixed latent vectors and views make successive snapshots comparable. The OpenGL renders of generated shapes
(thresholded at 0.5) are what the paper evaluates.
"""

import pathlib

import numpy as np
import tensorflow as tf

from iggan_tf.geometry.cameras import ViewRange
from iggan_tf.pictures import image_grid, save_png
from iggan_tf.serving.mesh_files import meshes_from_voxels, write_meshes

# Threshold for the pictures and meshes of generated shapes: the occupancy's midpoint.
DISPLAY_THRESHOLD = 0.5


class Snapshots:
    """Writes `samples/step_XXXXXXX.png` (rows: real, OpenGL (3D methods), trained-through), meshes, and
    TensorBoard images."""

    def __init__(self, workdir, latent_dim: int, view_range: ViewRange, count: int, seed: int, meshes: int = 4):
        self.directory = pathlib.Path(workdir) / "samples"
        self.latent_vectors = tf.random.stateless_normal([count, latent_dim], seed=[seed, 7919])
        self.azimuth, self.elevation = view_range.sample(np.random.default_rng(seed), count)
        self.meshes = meshes

    def write(self, step: int, model, opengl_renderer, real_images) -> pathlib.Path:
        """Renders the fixed samples at `step`; returns the PNG path. `model` is the run's AdversarialModel."""
        generated = model.sampling_generator(self.latent_vectors, training=False)
        rows = [np.asarray(real_images)[: len(self.azimuth)]]
        if model.makes_shapes:
            binary_voxels = generated.numpy()[..., 0] > DISPLAY_THRESHOLD
            rows.append(opengl_renderer.render(binary_voxels, self.azimuth, self.elevation))
        rows.append(np.asarray(model.trained_images(generated, tf.constant(self.azimuth, tf.float32),
                                                    tf.constant(self.elevation, tf.float32)), np.float32))
        grid = image_grid(np.concatenate(rows), columns=len(self.azimuth))
        path = save_png(grid, self.directory / f"step_{step:07d}.png")
        tf.summary.image("samples", grid[np.newaxis].astype(np.float32) / 255.0, step=step)
        if model.makes_shapes:
            write_meshes(meshes_from_voxels(binary_voxels[: self.meshes]), self.directory / f"step_{step:07d}",
                         formats=("obj", "glb"))
        return path
