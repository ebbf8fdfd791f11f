"""Examples from 3D objects (iggan_tf.datasets.shape_renders): seeded views, OpenGL renders of the voxelized
shapes, and unusable shapes skipped and counted without stopping the others."""

import dataclasses

import numpy as np
import pytest
import trimesh

from iggan_tf.datasets import shape_renders
from iggan_tf.datasets.skipped_inputs import SkippedInputs
from iggan_tf.geometry.cameras import FULL_TURN_WIDE, LIMITED_VIEWPOINT
from iggan_tf.geometry.voxelization import voxelize
from iggan_tf.render import OpenGLRenderer
from iggan_tf.shapes import make_shape


def test_view_angles_depend_only_on_seed_shape_and_index_and_stay_in_range():
    def angles(seeds, view_seed=0):
        return [
            shape_renders.view_angles(f"chair/{seed}", index, LIMITED_VIEWPOINT, view_seed)
            for seed in seeds
            for index in range(3)
        ]

    first = angles(range(20))
    assert sorted(first) == sorted(angles(reversed(range(20))))
    assert len(set(first)) == len(first)
    assert first != angles(range(20), view_seed=1)
    azimuth, elevation = np.array(first).T
    assert np.all((-60 <= azimuth) & (azimuth <= 60)) and np.all((15 <= elevation) & (elevation <= 60))


def _unusable():
    raise ValueError("NaN or infinite vertex coordinates")


def test_rendered_examples_render_the_voxels_and_skip_unusable_shapes():
    outside = trimesh.creation.box(extents=(3.0, 3.0, 3.0))  # not normalized: voxelize refuses it
    shapes = [
        shape_renders.ShapeSource("tub/0", lambda: make_shape("tub", 0)),
        shape_renders.ShapeSource("broken", _unusable),
        shape_renders.ShapeSource("too_big", lambda: outside),
        shape_renders.ShapeSource("chair/1", lambda: make_shape("chair", 1)),
    ]
    spec = shape_renders.RenderSpec(
        image_size=32, voxel_resolution=16, view_range=FULL_TURN_WIDE, views_per_object=3, view_seed=0
    )
    skipped = SkippedInputs("shape")
    with OpenGLRenderer(32, workers=1) as renderer:
        examples = dict(shape_renders.rendered_examples(shapes, spec, skipped, renderer))
        example = examples["chair/1/2"]
        # The image is the OpenGL render of the voxelized shape from that view.
        expected = renderer.render(
            voxelize(make_shape("chair", 1), 16)[None],
            np.array([example["azimuth"]], np.float32),
            np.array([example["elevation"]], np.float32),
        )[0]
        with pytest.raises(ValueError, match="spec.image_size"):
            next(shape_renders.rendered_examples(shapes, dataclasses.replace(spec, image_size=64), skipped, renderer))
    assert sorted(examples) == [f"{shape}/{view}" for shape in ("chair/1", "tub/0") for view in range(3)]
    assert skipped.total == 2 and any("NaN" in reason for reason in skipped.counts)
    assert example["image"].shape == (32, 32, 1) and example["image"].dtype == np.uint8
    assert (example["azimuth"], example["elevation"]) == pytest.approx(
        shape_renders.view_angles("chair/1", 2, FULL_TURN_WIDE, 0)
    )
    assert np.abs(example["image"] / 255.0 - expected).max() <= 0.5 / 255 + 1e-6
