"""Tests for the `blender` renderer (iggan_tf.render.blender_scene through the pool): its environment, its
calibration against the Lighting's Lambert brightness, its normal maps and determinism. What every renderer
must satisfy (silhouettes against the view transform, shadows where geometry says, with and without shadows)
is in tests/test_renderer_consistency.py. Skips with the reason when the Blender environment is missing
(scripts/blender_env.sh creates it)."""

import os
import pathlib
import subprocess

import numpy as np
import pytest
import trimesh

from iggan_tf.geometry.cameras import VIEW_HALF_WIDTH
from iggan_tf.render import OpenGLRenderer, backends
from iggan_tf.render.lighting import Lighting

REPOSITORY = pathlib.Path(__file__).resolve().parent.parent
IMAGE_SIZE = 64
LEVEL = 1.0 / 255.0
SPHERE_RADIUS = 0.5
# Views of a sphere centred on the origin all look alike; several check that no view is special.
AZIMUTH = np.array([0.0, 30.0, 200.0, 290.0])
ELEVATION = np.array([0.0, 40.0, -20.0, 75.0])


# Run in the Blender environment: what the worker imports there, and which numpy it gets.
_ENVIRONMENT_PROBE = (
    "import sys, numpy, bpy, iggan_tf.render.worker, iggan_tf.render.blender_scene; "
    "print(numpy.__version__.split('.')[0], *(name in sys.modules for name in ('tensorflow', 'pyrender')))"
)


def _probe_blender_environment() -> tuple[str | None, list]:
    """(why the blender renderer cannot run here or None, the probe's output words)."""
    backend = backends.backend("blender")
    reason = backend.unavailable_reason()
    if reason is not None:
        return reason, []
    probe = subprocess.run(
        [backend.interpreter(), "-c", _ENVIRONMENT_PROBE],
        capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(REPOSITORY)),
    )
    if probe.returncode != 0:
        return f"the worker does not import in the Blender environment: {probe.stderr.strip()[-500:]}", []
    return None, probe.stdout.split()


_REASON, _PROBE_OUTPUT = _probe_blender_environment()
needs_blender = pytest.mark.skipif(_REASON is not None, reason=f"blender renderer unavailable: {_REASON}")


@pytest.fixture(scope="module")
def blender():
    with OpenGLRenderer(IMAGE_SIZE, workers=2, renderer="blender", timeout=60.0) as renderer:
        yield renderer


@pytest.fixture(scope="module")
def sphere() -> trimesh.Trimesh:
    return trimesh.creation.icosphere(subdivisions=5, radius=SPHERE_RADIUS)


def _sphere_pixels():
    """Pixel centres (right, up) of the image, the mask of pixels well inside the sphere's disc, the mask
    of pixels well outside it, and the camera-frame unit normal (right, up, towards the camera) at each."""
    centres = (np.arange(IMAGE_SIZE) + 0.5) / IMAGE_SIZE * 2.0 * VIEW_HALF_WIDTH - VIEW_HALF_WIDTH
    right, up = np.meshgrid(centres, -centres)  # rows run from the top (+up) down
    radius_squared = right**2 + up**2
    inside = radius_squared < (0.95 * SPHERE_RADIUS) ** 2
    outside = radius_squared > (1.05 * SPHERE_RADIUS) ** 2
    towards = np.sqrt(np.maximum(SPHERE_RADIUS**2 - radius_squared, 0.0))
    return inside, outside, np.stack([right, up, towards], axis=-1) / SPHERE_RADIUS


def test_missing_blender_environment_is_an_error_naming_the_variable_and_the_script(monkeypatch, tmp_path):
    monkeypatch.setenv(backends.BLENDER_PYTHON_VARIABLE, str(tmp_path / "no-such-python"))
    with pytest.raises(backends.RendererUnavailableError) as error:
        OpenGLRenderer(IMAGE_SIZE, renderer="blender")
    assert backends.BLENDER_PYTHON_VARIABLE in str(error.value) and "scripts/blender_env.sh" in str(error.value)


@needs_blender
def test_blender_environment_runs_the_worker_with_numpy_1_and_without_tensorflow():
    assert _PROBE_OUTPUT == ["1", "False", "False"]


@needs_blender
def test_shaded_sphere_matches_the_lambert_brightness_of_the_lights(blender, sphere):
    """Cycles' sun lamps are scaled so that a surface facing a light head-on is lit to `ambient + intensity`:
    the convex sphere, which shadows nothing, shows the Lighting's Lambert brightness; the background is 0."""
    images = blender.render_meshes([sphere] * len(AZIMUTH), AZIMUTH, ELEVATION)
    assert images.shape == (len(AZIMUTH), IMAGE_SIZE, IMAGE_SIZE, 1) and images.dtype == np.float32
    inside, outside, normals = _sphere_pixels()
    expected = Lighting().vertex_brightness(normals.reshape(-1, 3).astype(np.float32)).reshape(inside.shape)
    for image in images[..., 0]:
        assert np.all(image[outside] == 0.0)
        difference = np.abs(image[inside] - expected[inside])
        assert difference.mean() < 1.0 * LEVEL and difference.max() <= 3 * LEVEL
        assert image[inside].min() >= Lighting().ambient - LEVEL  # lit or not, every visible point is > 0


@needs_blender
def test_normal_maps_of_a_sphere_show_its_camera_frame_normals(blender, sphere):
    maps = blender.render_normal_maps([sphere] * len(AZIMUTH), AZIMUTH, ELEVATION)
    assert maps.shape == (len(AZIMUTH), IMAGE_SIZE, IMAGE_SIZE, 3)
    inside, outside, normals = _sphere_pixels()
    for normal_map in maps:
        assert np.all(normal_map[outside] == 0.0)
        assert np.abs(normal_map[inside] - (normals[inside] + 1.0) / 2.0).max() <= 3 * LEVEL


@needs_blender
def test_renders_are_deterministic_and_an_empty_grid_is_black(blender):
    voxels = np.zeros((3, 32, 32, 32), bool)
    voxels[1, 4:28, 4:12, 8:20] = True
    voxels[2, 10:22, 2:30, 10:22] = True
    azimuth, elevation = np.array([0.0, 35.0, 250.0]), np.array([10.0, 30.0, -15.0])
    first = blender.render(voxels, azimuth, elevation)
    np.testing.assert_array_equal(first, blender.render(voxels, azimuth, elevation))
    assert np.all(first[0] == 0.0) and all(image.max() > 0.0 for image in first[1:])
    assert first.min() >= 0.0 and first.max() <= 1.0
