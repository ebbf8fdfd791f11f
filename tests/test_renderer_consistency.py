"""What every renderer in the registry must agree on, whoever draws it: the camera (its silhouettes are the
view transform's) and the lights (shadows fall where the geometry puts them). A renderer whose environment
is missing here is skipped with the reason the registry gives."""

import numpy as np
import pytest
import trimesh
from scipy import ndimage

from iggan_tf.geometry.cameras import VIEW_HALF_WIDTH, light_directions_in_camera, world_to_camera
from iggan_tf.render import OpenGLRenderer, backends

VOXEL_SIZE = 64
IMAGE_SIZE = 2 * VOXEL_SIZE  # the view transform's resolution
# A shadow darkens a lit surface by far more than this; noise and edges stay below it.
DARKER = 0.05
# Pixels this close to a region's border (antialiasing, shadow-map filtering and offset) are not judged.
MARGIN_PIXELS = 3


@pytest.fixture(scope="module", params=backends.RENDERER_NAMES)
def renderer(request):
    backend = backends.backend(request.param)
    reason = backend.unavailable_reason()
    if reason:
        pytest.skip(reason)
    with OpenGLRenderer(IMAGE_SIZE, workers=2, renderer=backend.name, shadows=backend.draws_shadows) as pool:
        yield pool


def _letter_f(size: int = VOXEL_SIZE) -> np.ndarray:
    """A thick letter F with a foot: no mirror symmetry, different from every side."""
    grid = np.zeros((size,) * 3, bool)
    unit = size / 16

    def box(x0, x1, y0, y1, z0, z1):
        corners = np.round(np.array([x0, x1, y0, y1, z0, z1]) * unit).astype(int)
        grid[corners[0] : corners[1], corners[2] : corners[3], corners[4] : corners[5]] = True

    box(3, 7, 2, 14, 5, 10)  # stem
    box(7, 13, 10, 14, 5, 10)  # top arm
    box(7, 11, 6, 9, 5, 10)  # middle arm
    box(3, 7, 2, 5, 10, 14)  # foot, towards +z
    return grid


def test_silhouette_agrees_with_the_view_transform_and_not_with_its_mirror_image(renderer):
    """The silhouette (image > 0) at image size 2N matches the view transform's maximum over depth
    thresholded at 0.5 (IoU >= 0.9), while the same silhouette flipped left and right does not: a renderer
    with a mirrored camera fails."""
    tf = pytest.importorskip("tensorflow")
    from iggan_tf.geometry.view_grid import view_transform

    azimuth = np.array([20.0, 150.0, 235.0, 320.0], np.float32)
    elevation = np.array([30.0, -20.0, 50.0, 10.0], np.float32)
    voxels = np.repeat(_letter_f()[np.newaxis], len(azimuth), axis=0)
    silhouettes = renderer.render(voxels, azimuth, elevation)[..., 0] > 0
    view_grid = view_transform(tf.constant(voxels[..., np.newaxis], tf.float32), azimuth, elevation).numpy()
    expected = view_grid[..., 0].max(axis=3) > 0.5

    def iou(a, b):
        return (a & b).sum() / (a | b).sum()

    for view, (drawn, transformed) in enumerate(zip(silhouettes, expected)):
        assert iou(drawn, transformed) >= 0.9, (renderer.renderer, view, iou(drawn, transformed))
        assert iou(drawn[:, ::-1], transformed) < 0.9, (renderer.renderer, view, "mirror image agrees too")


# A plate with a post standing on its middle; seen from high above, each light shines on it from above
# (the lights are 45 degrees below the camera), so the post casts one shadow per light across the plate.
PLATE = (np.array([-0.4, -0.42, -0.4]), np.array([0.4, -0.36, 0.4]))
POST = (np.array([-0.08, -0.36, -0.08]), np.array([0.08, 0.0, 0.08]))
SHADOW_VIEWS = (np.array([30.0, 200.0]), np.array([75.0, 85.0]))


def _box(low, high):
    """(vertices, faces, normals) of an axis-aligned box, its corners split per face so that each face has
    its own flat normal."""
    mesh = trimesh.creation.box(bounds=np.stack([low, high]))
    vertices = mesh.vertices[mesh.faces].reshape(-1, 3)
    normals = np.repeat(mesh.face_normals, 3, axis=0)
    return vertices, np.arange(len(vertices)).reshape(-1, 3), normals


def _post_on_plate():
    parts = [_box(*PLATE), _box(*POST)]
    vertices = np.concatenate([part[0] for part in parts])
    faces = np.concatenate([parts[0][1], parts[1][1] + len(parts[0][0])])
    return vertices, faces, np.concatenate([part[2] for part in parts])


def _hits_box(origins, direction, box, t_max=np.inf) -> np.ndarray:
    """Whether rays origins [P, 3] + t * direction [3] meet the box for some 0 < t < t_max (slab test)."""
    low, high = box
    with np.errstate(divide="ignore", invalid="ignore"):
        t_low, t_high = (low - origins) / direction, (high - origins) / direction
    t_near = np.nanmax(np.minimum(t_low, t_high), axis=1)
    t_far = np.nanmin(np.maximum(t_low, t_high), axis=1)
    return (t_near < t_far) & (t_far > 1e-6) & (t_near < t_max)


def _shadow_regions(azimuth: float, elevation: float):
    """(plate [S, S], shadows [L, S, S]) from the geometry: the pixels that see the plate's top, and those
    of them whose plate point is hidden from each light by the post."""
    rotation = world_to_camera([azimuth], [elevation])[0]
    centres = ((np.arange(IMAGE_SIZE) + 0.5) / IMAGE_SIZE * 2.0 - 1.0) * VIEW_HALF_WIDTH
    up, right = np.meshgrid(-centres, centres, indexing="ij")  # rows run down, columns right
    forward = rotation[2]
    # Pixel rays start in the camera plane through the origin, pulled back far in front of the scene.
    origins = (np.stack([right, up, np.full_like(up, -2.0)], axis=-1) @ rotation).reshape(-1, 3)
    t_plate = (PLATE[1][1] - origins[:, 1]) / forward[1]
    points = origins + t_plate[:, np.newaxis] * forward
    on_plate = np.all(np.abs(points[:, [0, 2]]) <= PLATE[1][[0, 2]], axis=1)
    plate = on_plate & ~_hits_box(origins, forward, POST, t_max=t_plate)
    shadows = []
    for light in light_directions_in_camera():
        towards_light = rotation.T @ (light * np.array([1.0, 1.0, -1.0]))
        assert towards_light[1] > 0  # the view is high enough for the light to shine down on the plate
        shadows.append(plate & _hits_box(points, towards_light, POST))
    shape = (IMAGE_SIZE, IMAGE_SIZE)
    return plate.reshape(shape), np.stack(shadows).reshape(-1, *shape)


def _inner(mask):
    return ndimage.binary_erosion(mask, iterations=MARGIN_PIXELS)


@pytest.mark.parametrize("name", backends.RENDERER_NAMES)
def test_shadows_fall_where_the_geometry_puts_them(name):
    """A post on a plate, lit by one of the paper's lights at a time: with shadows the plate is darker on
    the side away from that light, inside the shadow that the geometry computes for it, and the image is
    unchanged everywhere else (compared with the same light without shadows)."""
    backend = backends.backend(name)
    if backend.unavailable_reason():
        pytest.skip(backend.unavailable_reason())
    if not backend.draws_shadows:
        pytest.skip(f"the {name} renderer draws no shadows")
    azimuth, elevation = SHADOW_VIEWS
    meshes = [_post_on_plate()] * len(azimuth)
    regions = [_shadow_regions(*view) for view in zip(azimuth, elevation)]
    for light, direction in enumerate(light_directions_in_camera()):
        images = {}
        for shadows in (True, False):
            with OpenGLRenderer(IMAGE_SIZE, workers=1, renderer=name, lights=[direction], shadows=shadows) as pool:
                images[shadows] = pool.render_meshes(meshes, azimuth, elevation)[..., 0]
        darkening = images[False] - images[True]
        for view, (plate, shadows) in enumerate(regions):
            shadow = shadows[light]
            assert (shadow & ~shadows[1 - light]).sum() >= 100, view  # the lights' shadows differ
            share = np.mean(darkening[view][_inner(shadow)] > DARKER)
            assert share >= 0.9, (name, view, light, share)
            elsewhere = ~ndimage.binary_dilation(shadow, iterations=MARGIN_PIXELS)
            assert np.mean(np.abs(darkening[view][elsewhere]) > DARKER) <= 0.01, (name, view, light)
            lit_plate = _inner(plate) & elsewhere
            assert np.all(images[True][view][lit_plate] > 0.2), (name, view, light)  # the light reaches it
