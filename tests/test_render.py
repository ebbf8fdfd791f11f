"""Tests for iggan_tf.render: the worker pool with its pyrender renderers, their camera and lights, failure
recovery, process hygiene and the tf.py_function bridge. pyrender runs only in the pool's workers, so this
process may import TensorFlow. What every renderer must agree on (silhouettes, shadows) is in
test_renderer_consistency.py."""

import os
import pathlib
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from iggan_tf.geometry.cameras import VIEW_HALF_WIDTH, light_directions_in_camera, world_to_camera
from iggan_tf.geometry.meshing import voxels_to_trimesh
from iggan_tf.geometry.voxelization import voxelize
from iggan_tf.render import OpenGLRenderer, frame_layout
from iggan_tf.render.lighting import DEFAULT_AMBIENT, DEFAULT_LIGHT_INTENSITY
# The display gamma of pyrender's lit shader: lights add up in linear radiance, images hold display values.
GAMMA = 2.2
from iggan_tf.shapes import make_shape

REPOSITORY = pathlib.Path(__file__).resolve().parent.parent
VOXEL_SIZE = 32
IMAGE_SIZE = 2 * VOXEL_SIZE  # the view transform's resolution
LEVEL = 1.0 / 255.0  # one gray level of the uint8 frame buffer


def _blocks(size: int = VOXEL_SIZE) -> np.ndarray:
    """A slab, a tower on one end and an arm on the other: asymmetric along every axis."""
    grid = np.zeros((size,) * 3, bool)
    tenth = size / 10

    def box(*tenths):
        low, high = np.round(np.array(tenths).reshape(3, 2).T * tenth).astype(int)
        grid[low[0] : high[0], low[1] : high[1], low[2] : high[2]] = True

    box(1, 9, 1, 5, 1, 6)
    box(1, 4, 5, 9, 1, 4)
    box(6, 9, 5, 7, 6, 9)
    return grid


@pytest.fixture(scope="module")
def chair() -> np.ndarray:
    return voxelize(make_shape("chair", 3), VOXEL_SIZE)


@pytest.fixture(scope="module")
def renderer():
    with OpenGLRenderer(IMAGE_SIZE, workers=2, timeout=10.0) as opengl:
        yield opengl


@pytest.fixture(scope="module")
def unlit_renderer():
    with OpenGLRenderer(IMAGE_SIZE, workers=2, renderer="pyrender_unlit", shadows=False, timeout=10.0) as opengl:
        yield opengl


@pytest.fixture(params=["pyrender", "pyrender_unlit"])
def pyrender_renderer(request):
    """Each pyrender renderer (the default, with shadows, and the fast unlit one)."""
    return request.getfixturevalue({"pyrender": "renderer", "pyrender_unlit": "unlit_renderer"}[request.param])


def _cpu_ticks(pid: int) -> int:
    fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def _gone(pid: int) -> bool:
    """True when `pid` has exited (zombies count: they run no code)."""
    try:
        status = pathlib.Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    return "\nState:\tZ" in status


def _wait_until_gone(pids, seconds: float = 15.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if all(_gone(pid) for pid in pids):
            return True
        time.sleep(0.1)
    return False


def test_packages_import_neither_tensorflow_nor_pyrender():
    code = (
        "import sys, iggan_tf.render, iggan_tf.render.backends, iggan_tf.render.worker, "
        "iggan_tf.benchmarks.render_throughput; "
        "loaded = {'tensorflow', 'pyrender'} & set(sys.modules); assert not loaded, loaded"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120, cwd=REPOSITORY)


def test_empty_grid_is_black_and_full_grid_is_a_lit_cube(pyrender_renderer):
    """Brightness of the unit cube's faces as the lights promise: for pyrender_unlit our Lambert sum in
    display values; for pyrender the same cosine law summed in linear radiance (each light scaled so that a
    head-on lit face shows ambient + intensity), then pyrender's display gamma; no shadows fall on a cube."""
    voxels = np.zeros((4, VOXEL_SIZE, VOXEL_SIZE, VOXEL_SIZE), bool)
    voxels[1:] = True
    elevation = np.array([0.0, 0.0, 30.0, -30.0])
    images = pyrender_renderer.render(voxels, np.zeros(4), elevation)
    assert images.shape == (4, IMAGE_SIZE, IMAGE_SIZE, 1) and images.dtype == np.float32
    assert np.all(images[0] == 0.0)

    rows, columns = np.nonzero(images[1, ..., 0] > 0)
    cube_side = IMAGE_SIZE * 1.0 / (2.0 * VIEW_HALF_WIDTH)  # the unit cube head-on, in pixels
    for extent in (rows.max() + 1 - rows.min(), columns.max() + 1 - columns.min()):
        assert abs(extent - cube_side) <= 2
    for indices in (rows, columns):  # centred
        assert abs(indices.min() + indices.max() + 1 - IMAGE_SIZE) <= 1

    def brightness(normal_in_world, view):
        right, up, forward = world_to_camera([0.0], [elevation[view]])[0]
        normal = np.array([right @ normal_in_world, up @ normal_in_world, -forward @ normal_in_world])
        facing = np.maximum(light_directions_in_camera() @ normal, 0.0)
        if pyrender_renderer.renderer == "pyrender_unlit":
            return DEFAULT_AMBIENT + DEFAULT_LIGHT_INTENSITY * facing.sum()
        lit = (DEFAULT_AMBIENT + DEFAULT_LIGHT_INTENSITY) ** GAMMA - DEFAULT_AMBIENT**GAMMA
        return (DEFAULT_AMBIENT**GAMMA + lit * facing.sum()) ** (1.0 / GAMMA)

    def face_value(view, fraction_down):
        """Median gray along the middle column at `fraction_down` of the cube's vertical extent."""
        column = images[view, :, IMAGE_SIZE // 2, 0]
        top, bottom = np.nonzero(column > 0)[0][[0, -1]]
        row = int(round(top + fraction_down * (bottom - top)))
        return np.median(images[view, row - 1 : row + 2, IMAGE_SIZE // 2 - 3 : IMAGE_SIZE // 2 + 4, 0])

    front, top, bottom = np.array([0.0, 0.0, 1.0]), np.array([0.0, 1.0, 0.0]), np.array([0.0, -1.0, 0.0])
    # Head-on only the front face shows; looking down, the top face (above) and the front face (below);
    # looking up, the front face (above) and the bottom face (below). The lights shine from below.
    for view, upper, lower in ((1, front, front), (2, top, front), (3, front, bottom)):
        assert abs(face_value(view, 0.2) - brightness(upper, view)) <= 2 * LEVEL
        assert abs(face_value(view, 0.8) - brightness(lower, view)) <= 2 * LEVEL
    assert brightness(top, 2) == pytest.approx(DEFAULT_AMBIENT)  # unlit, but visible against the background


def test_numeric_voxels_with_a_channel_axis_render_like_bool_voxels(renderer, chair):
    azimuth, elevation = np.array([20.0, 200.0]), np.array([35.0, -20.0])
    voxels = np.stack([chair, _blocks()])
    expected = renderer.render(voxels, azimuth, elevation)
    numeric = voxels.astype(np.float32)[..., np.newaxis]
    np.testing.assert_array_equal(renderer.render(numeric, azimuth, elevation), expected)
    assert renderer.render(voxels[:0], azimuth[:0], elevation[:0]).shape == (0, IMAGE_SIZE, IMAGE_SIZE, 1)


@pytest.mark.parametrize("image_size", [64, 96, 100, 128, 137, 256])
def test_frame_positions_reach_window_coordinates_exactly(image_size):
    """OpenGL maps a frame position x to the window coordinate (x / T + 1) * T * S / 2 in float32; on the
    position grid every step is exact, so a view's pixels are the same in every tile of the frame."""
    tiles = frame_layout.TILES_PER_SIDE
    points = np.random.default_rng(image_size).uniform(-1.0, 1.0, (2000, 3)) * VIEW_HALF_WIDTH / np.sqrt(3.0)
    in_first_tile = None
    for tile in range(frame_layout.VIEWS_PER_FRAME):
        positions = frame_layout.frame_positions(points, tile, image_size)[:, :2]
        window = (positions / np.float32(tiles) + np.float32(1.0)) * np.float32(tiles * image_size / 2)
        exact = (positions.astype(np.float64) / tiles + 1.0) * (tiles * image_size / 2)
        np.testing.assert_array_equal(window, exact)
        row, column = divmod(tile, tiles)
        within_tile = exact - np.array([column, tiles - 1 - row]) * image_size
        in_first_tile = within_tile if in_first_tile is None else in_first_tile
        np.testing.assert_array_equal(within_tile, in_first_tile)
    pixel_quantum = frame_layout.position_quantum(image_size) * image_size / 2
    assert pixel_quantum <= 1.0 / 64.0  # far below a pixel
    unrounded = (points[:, :2] / VIEW_HALF_WIDTH + 1.0) * image_size / 2
    assert np.abs(in_first_tile - unrounded).max() <= pixel_quantum / 2 + 1e-9


def test_a_view_does_not_depend_on_its_place_in_the_batch(pyrender_renderer, chair):
    """pyrender_unlit draws several views in one OpenGL frame, pyrender one after the other in one context;
    each view must still come out as if drawn alone."""
    alone = pyrender_renderer.render(chair[np.newaxis], [57.0], [23.0])[0]
    batch = pyrender_renderer.render(np.repeat(chair[np.newaxis], 7, axis=0), np.full(7, 57.0), np.full(7, 23.0))
    for image in batch:
        np.testing.assert_array_equal(image > 0, alone > 0)
        assert np.abs(image - alone).max() <= LEVEL + 1e-6


def test_render_meshes_agrees_with_render_on_voxelized_shapes(renderer, chair):
    voxels = np.stack([chair, _blocks()])
    azimuth, elevation = np.array([130.0, 310.0]), np.array([-15.0, 45.0])
    expected = renderer.render(voxels, azimuth, elevation)
    meshes = [voxels_to_trimesh(grid) for grid in voxels]
    np.testing.assert_allclose(renderer.render_meshes(meshes, azimuth, elevation), expected, atol=LEVEL + 1e-6)
    # Without normals the worker computes them from the faces: same silhouette, nearly the same shading.
    from_faces = renderer.render_meshes([(mesh.vertices, mesh.faces) for mesh in meshes], azimuth, elevation)
    np.testing.assert_array_equal(from_faces > 0, expected > 0)
    assert np.abs(from_faces - expected).mean() < 0.02


def test_render_through_py_function_inside_tf_function(renderer, chair):
    tf = pytest.importorskip("tensorflow")
    from iggan_tf.render import opengl_render_function

    opengl_render = opengl_render_function(renderer)
    voxels = np.stack([chair, _blocks()]).astype(np.float32)[..., np.newaxis]
    azimuth, elevation = np.array([10.0, 250.0], np.float32), np.array([25.0, -5.0], np.float32)
    signature = [
        tf.TensorSpec([None, VOXEL_SIZE, VOXEL_SIZE, VOXEL_SIZE, 1], tf.float32),
        tf.TensorSpec([None], tf.float32),
        tf.TensorSpec([None], tf.float32),
    ]

    @tf.function(jit_compile=False, input_signature=signature)
    def darkened(binary_voxels, view_azimuth, view_elevation):
        images = opengl_render(binary_voxels, view_azimuth, view_elevation)
        assert images.shape.as_list() == [None, IMAGE_SIZE, IMAGE_SIZE, 1]
        return 0.5 * images

    expected = renderer.render(voxels, azimuth, elevation)
    np.testing.assert_allclose(darkened(voxels, azimuth, elevation).numpy(), 0.5 * expected)

    @tf.function(jit_compile=False)
    def static_batch(binary_voxels):
        images = opengl_render(binary_voxels, tf.constant(azimuth), tf.constant(elevation))
        assert images.shape.as_list() == [2, IMAGE_SIZE, IMAGE_SIZE, 1]
        return images

    assert static_batch(tf.constant(voxels)).shape == (2, IMAGE_SIZE, IMAGE_SIZE, 1)
    with pytest.raises(ValueError, match="binary_voxels"):
        opengl_render(tf.zeros([2, VOXEL_SIZE, VOXEL_SIZE]), azimuth, elevation)
    with pytest.raises(ValueError, match="elevation"):
        opengl_render(tf.constant(voxels), azimuth, tf.zeros([2, 1]))


GOOD_VOXELS = np.zeros((2, 8, 8, 8), bool)
GOOD_ANGLES = np.zeros(2)


@pytest.mark.parametrize(
    "voxels, azimuth, elevation, name",
    [
        (np.zeros((2, 8, 8)), GOOD_ANGLES, GOOD_ANGLES, "binary_voxels"),
        (np.zeros((2, 8, 8, 4)), GOOD_ANGLES, GOOD_ANGLES, "binary_voxels"),
        (np.zeros((2, 8, 8, 8, 2)), GOOD_ANGLES, GOOD_ANGLES, "binary_voxels"),
        (np.full((2, 8, 8, 8), 0.5), GOOD_ANGLES, GOOD_ANGLES, "binary_voxels"),
        (np.full((2, 8, 8, 8), np.nan), GOOD_ANGLES, GOOD_ANGLES, "binary_voxels"),
        (np.full((2, 8, 8, 8), "1"), GOOD_ANGLES, GOOD_ANGLES, "binary_voxels"),
        (GOOD_VOXELS, [0.0, np.nan], GOOD_ANGLES, "azimuth"),
        (GOOD_VOXELS, GOOD_ANGLES, [0.0, np.inf], "elevation"),
        (GOOD_VOXELS, np.zeros((2, 1)), GOOD_ANGLES, "azimuth"),
        (GOOD_VOXELS, np.zeros(3), GOOD_ANGLES, "azimuth"),
        (GOOD_VOXELS, GOOD_ANGLES, [0.0, 91.0], "elevation"),
    ],
)
def test_bad_render_inputs_raise_value_errors_naming_the_argument(renderer, voxels, azimuth, elevation, name):
    with pytest.raises(ValueError, match=name):
        renderer.render(voxels, azimuth, elevation)


def test_bad_meshes_and_settings_raise_value_errors_naming_the_argument(renderer):
    far = (np.array([[0.0, 0.0, 0.0], [0.9, 0.0, 0.0], [0.0, 0.1, 0.0]]), np.array([[0, 1, 2]]))
    for meshes, name in (
        ([far], r"meshes\[0\]"),
        (["a box"], r"meshes\[0\]"),
        ([(np.zeros((3, 3)), np.array([[0, 1, 3]]))], r"meshes\[0\]"),
        ([(np.zeros((3, 3)), np.array([[0.0, 1.0, 2.0]]))], r"meshes\[0\]"),
    ):
        with pytest.raises(ValueError, match=name):
            renderer.render_meshes(meshes, [0.0], [0.0])
    for settings, name in (
        ({"image_size": 0}, "image_size"),
        ({"image_size": 32, "workers": 0}, "workers"),
        ({"image_size": 32, "timeout": 0.0}, "timeout"),
        ({"image_size": 32, "max_retries": -1}, "max_retries"),
        ({"image_size": 32, "lights": [[0.0, 0.0, 0.0]]}, "lights"),
        ({"image_size": 32, "lights": [1.0, 0.0, 0.0]}, "lights"),
        ({"image_size": 32, "ambient": 0.0}, "ambient"),
        ({"image_size": 32, "light_intensity": -1.0}, "light_intensity"),
        ({"image_size": 32, "renderer": "povray"}, "renderer must be one of pyrender, .*blender"),
        ({"image_size": 32, "shadows": "yes"}, "shadows"),
        ({"image_size": 32, "renderer": "pyrender_unlit"}, "shadows=True, but the renderer pyrender_unlit"),
    ):
        with pytest.raises(ValueError, match=name):
            OpenGLRenderer(**settings)


# The recovery tests below exercise the pool, not the drawing: they use the fast renderer.


def _many_views(chair):
    voxels = np.stack([chair, _blocks()] * 48)
    rng = np.random.default_rng(5)
    return voxels, rng.uniform(0.0, 360.0, len(voxels)), rng.uniform(-30.0, 60.0, len(voxels))


def test_worker_killed_mid_batch_is_replaced_and_the_batch_completes(unlit_renderer, chair):
    voxels, azimuth, elevation = _many_views(chair)
    expected = unlit_renderer.render(voxels, azimuth, elevation)
    victim, restarts = unlit_renderer.worker_pids[0], unlit_renderer.restarts
    idle_ticks = _cpu_ticks(victim)
    killed = threading.Event()

    def kill_once_busy():
        deadline = time.monotonic() + 60.0
        while time.monotonic() < deadline and not killed.is_set():
            if _cpu_ticks(victim) > idle_ticks:  # it has started on this batch
                os.kill(victim, signal.SIGKILL)
                killed.set()
            time.sleep(0.001)

    killer = threading.Thread(target=kill_once_busy)
    killer.start()
    images = unlit_renderer.render(voxels, azimuth, elevation)
    killed.set()
    killer.join()
    assert unlit_renderer.restarts == restarts + 1 and victim not in unlit_renderer.worker_pids
    np.testing.assert_array_equal(images, expected)


def test_hung_worker_is_replaced_after_the_timeout(unlit_renderer, chair):
    voxels, azimuth, elevation = _many_views(chair)
    expected = unlit_renderer.render(voxels[:16], azimuth[:16], elevation[:16])
    victim, restarts = unlit_renderer.worker_pids[1], unlit_renderer.restarts
    os.kill(victim, signal.SIGSTOP)
    unlit_renderer.timeout = 2.0
    try:
        started = time.monotonic()
        images = unlit_renderer.render(voxels[:16], azimuth[:16], elevation[:16])
        assert time.monotonic() - started >= 2.0
    finally:
        unlit_renderer.timeout = 10.0
    assert unlit_renderer.restarts == restarts + 1 and _gone(victim)
    np.testing.assert_array_equal(images, expected)


def test_failures_beyond_max_retries_raise_and_the_pool_recovers(unlit_renderer, chair):
    voxels, azimuth, elevation = _many_views(chair)
    os.kill(unlit_renderer.worker_pids[0], signal.SIGKILL)
    unlit_renderer.max_retries = 0
    try:
        with pytest.raises(RuntimeError, match="max_retries=0"):
            unlit_renderer.render(voxels[:16], azimuth[:16], elevation[:16])
    finally:
        unlit_renderer.max_retries = 3
    assert unlit_renderer.render(voxels[:16], azimuth[:16], elevation[:16]).max() > 0


def test_no_worker_outlives_close_or_an_exception():
    with pytest.raises(KeyError, match="inside"):
        with OpenGLRenderer(16, workers=2) as opengl:
            pids = opengl.worker_pids
            raise KeyError("inside")
    assert all(_gone(pid) for pid in pids)
    opengl.close()  # closing again is harmless
    with pytest.raises(RuntimeError, match="closed"):
        opengl.render(np.ones((1, 4, 4, 4), bool), [0.0], [0.0])


_PARENT_SCRIPT = """
import os, signal, sys
import numpy as np
from iggan_tf.render import OpenGLRenderer, frame_layout
# A shell's background job inherits SIGINT ignored, and Python then installs no KeyboardInterrupt handler.
signal.signal(signal.SIGINT, signal.default_int_handler)
renderer = OpenGLRenderer(16, workers=2)
print(*renderer.worker_pids, flush=True)
if sys.argv[1] == "kill":
    os.kill(os.getpid(), signal.SIGKILL)
# Should the parent ever hang after the interrupt, its threads' stacks go to stderr for the test to show.
# Armed, and one batch rendered, before "rendering" is printed: an interrupt that lands inside an import is
# swallowed by CPython (raised in an import-lock weakref callback), so nothing may be imported after it.
import faulthandler
faulthandler.dump_traceback_later(25)
batch = np.ones((8, 8, 8, 8), bool), np.zeros(8), np.zeros(8)
with renderer:
    renderer.render(*batch)
    print("rendering", flush=True)
    while True:
        renderer.render(*batch)
"""


@pytest.mark.parametrize("ending", ["kill", "interrupt"])
def test_no_worker_outlives_a_killed_or_interrupted_parent(ending):
    parent = subprocess.Popen(
        [sys.executable, "-c", _PARENT_SCRIPT, ending],
        cwd=REPOSITORY, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        pids = [int(pid) for pid in parent.stdout.readline().split()]
        assert len(pids) == 2, parent.stderr.read()
        if ending == "interrupt":
            assert parent.stdout.readline().strip() == "rendering"
            parent.send_signal(signal.SIGINT)
        try:
            parent.wait(timeout=30)
        except subprocess.TimeoutExpired:
            parent.kill()
            pytest.fail(f"the parent did not exit within 30 s of its {ending}; its stderr:\n{parent.communicate()[1]}")
        assert _wait_until_gone(pids)
    finally:
        parent.kill()
        parent.wait()
