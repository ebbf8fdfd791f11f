"""iggan-sample and its gallery: meshes, OpenGL renders, turntable GIFs and normal maps of sampled shapes, from
nothing but a generator SavedModel; TensorFlow in the main process, OpenGL in the worker pool."""

import json
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest
import trimesh
from PIL import Image

from iggan_tf.geometry.cameras import VIEW_HALF_WIDTH
from iggan_tf.geometry.meshing import mesh_from_voxels
from iggan_tf.pictures import save_gif
from iggan_tf.render import OpenGLRenderer
from iggan_tf.serving.gallery import CANONICAL_AZIMUTH, CANONICAL_ELEVATION, GalleryOptions, write_gallery

REPOSITORY = pathlib.Path(__file__).resolve().parents[1]
GRID = 16
IMAGE_SIZE = 32


def centres(size: int = GRID) -> np.ndarray:
    return (np.arange(size) + 0.5) / size - 0.5


def ball(radius: float, size: int = GRID) -> np.ndarray:
    x, y, z = np.meshgrid(centres(size), centres(size), centres(size), indexing="ij")
    return x**2 + y**2 + z**2 <= radius**2


def box(low, high, size: int = GRID) -> np.ndarray:
    x, y, z = np.meshgrid(centres(size), centres(size), centres(size), indexing="ij")
    inside = [(low[axis] <= coordinate) & (coordinate <= high[axis]) for axis, coordinate in enumerate((x, y, z))]
    return inside[0] & inside[1] & inside[2]


@pytest.fixture(scope="module")
def renderer():
    with OpenGLRenderer(IMAGE_SIZE, workers=1) as opengl_renderer:
        yield opengl_renderer


def test_save_gif_writes_a_looping_animation(tmp_path):
    frames = np.linspace(0.0, 1.0, 5)[:, None, None, None] * np.ones((5, 8, 8, 1))
    path = save_gif(frames, tmp_path / "turn.gif", seconds_per_frame=0.05)
    with Image.open(path) as gif:
        assert (gif.n_frames, gif.info["duration"], gif.info["loop"], gif.size) == (5, 50, 0, (8, 8))
        gif.seek(4)
        assert np.asarray(gif.convert("L")).min() == 255
    with pytest.raises(ValueError, match="frames must have shape"):
        save_gif(np.zeros((8, 8, 1)), tmp_path / "bad.gif")


def test_normal_maps_color_surfaces_by_their_camera_frame_normals(renderer):
    radius = 0.8
    sphere = trimesh.creation.icosphere(subdivisions=4, radius=radius)
    maps = renderer.render_normal_maps([sphere, sphere], [0.0, 130.0], [0.0, -40.0])
    assert maps.shape == (2, IMAGE_SIZE, IMAGE_SIZE, 3) and maps.dtype == np.float32
    # The pixel centres' camera-frame (right, up) coordinates; rows run down the camera's up axis.
    coordinates = ((np.arange(IMAGE_SIZE) + 0.5) / IMAGE_SIZE * 2.0 - 1.0) * VIEW_HALF_WIDTH
    right, up = np.meshgrid(coordinates, -coordinates)
    towards = np.sqrt(np.maximum(radius**2 - right**2 - up**2, 0.0))
    expected = (np.stack([right, up, towards], axis=-1) / radius + 1.0) / 2.0
    interior = np.hypot(right, up) < 0.9 * radius  # away from the rim, where pixels mix with the background
    for normal_map in maps:  # a sphere's normal map is the same from every view
        assert np.abs(normal_map - expected)[interior].max() < 0.04
        assert normal_map[np.hypot(right, up) > radius + 0.05].max() == 0.0  # background
    # The normal map covers the same pixels as the shaded render.
    shaded = renderer.render_meshes([sphere], [0.0], [0.0])[0, ..., 0] > 0
    covered = maps[0].max(axis=-1) > 0
    assert (covered & shaded).sum() / (covered | shaded).sum() > 0.98


def test_write_gallery_writes_meshes_pictures_and_turntables(renderer, tmp_path):
    wall = box((-0.4, -0.3, -0.05), (0.4, 0.3, 0.05))  # facing +z, the front
    grids = np.stack([ball(0.4), np.zeros((GRID,) * 3, bool), wall])
    options = GalleryOptions(turntable_frames=8, normal_map_views=3, mesh_formats=("obj", "glb", "ply"))
    record = write_gallery(grids, tmp_path, renderer, options)

    samples = record["samples"]
    assert [sample["meshes"] for sample in samples][1] == []  # the empty grid has no surface to write
    for index in (0, 2):
        expected_files = [f"meshes/sample_{index:03d}.{extension}" for extension in ("obj", "glb", "ply")]
        assert samples[index]["meshes"] == expected_files
        vertices, faces, _ = mesh_from_voxels(grids[index])
        written = trimesh.load(tmp_path / samples[index]["meshes"][2], process=False)
        np.testing.assert_allclose(written.vertices, vertices, atol=1e-6)
        assert len(trimesh.load(tmp_path / samples[index]["meshes"][1], force="mesh").faces) == len(faces)
    np.testing.assert_array_equal(np.load(tmp_path / "voxels.npz")["voxels"], grids)
    assert samples[1]["occupied_fraction"] == 0.0 and samples[0]["occupied_fraction"] == grids[0].mean()

    renders = np.asarray(Image.open(tmp_path / "renders.png"))
    normal_maps = np.asarray(Image.open(tmp_path / "normal_maps.png"))
    assert renders.ndim == 2 and normal_maps.shape[-1] == 3  # gray shading, RGB normals
    assert renders.shape == normal_maps.shape[:2] == (2 + 2 * (IMAGE_SIZE + 2),) * 2  # 2 x 2 grid of 3 cells
    assert record["canonical_view"] == {"azimuth": CANONICAL_AZIMUTH, "elevation": CANONICAL_ELEVATION}

    assert samples[1]["turntable"] is None
    with Image.open(tmp_path / samples[2]["turntable"]) as gif:
        assert gif.n_frames == 8
        frames = []
        for frame in range(8):
            gif.seek(frame)
            frames.append(np.asarray(gif.convert("L"), dtype=np.float32))
    # Frames turn by 45 degrees from the canonical azimuth, 45: the wall is seen obliquely, edge-on (90),
    # face-on from behind (180), and after half a turn (225) exactly as at first.
    area = [(frame > 0).sum() for frame in frames]
    assert area[1] < 0.5 * area[0] and area[3] > area[0]
    assert np.abs(frames[4] - frames[0]).mean() < 2.0

    assert record["normal_map_views"] == {"sample": 0, "file": "normal_map_views.png"}
    sweep = np.asarray(Image.open(tmp_path / "normal_map_views.png"))
    assert sweep.shape == (IMAGE_SIZE + 4, 3 * IMAGE_SIZE + 8, 3)


def test_write_gallery_records_its_renderer(renderer, tmp_path):
    options = GalleryOptions(turntable_frames=1, normal_map_views=1, mesh_formats=("ply",))
    record = write_gallery(ball(0.4)[None], tmp_path / "own", renderer, options)
    assert record["renderer"] == {"name": "pyrender", "shadows": True}
    assert np.asarray(Image.open(tmp_path / "own" / "normal_maps.png")).shape[-1] == 3


def test_write_gallery_rejects_continuous_voxels_and_unwritable_folders(renderer, tmp_path):
    with pytest.raises(ValueError, match="binary_voxels must be binary"):
        write_gallery(np.full((1, 4, 4, 4), 0.7), tmp_path, renderer)
    (tmp_path / "a_file").write_text("")
    with pytest.raises(ValueError, match="out_dir .* cannot be written"):
        write_gallery(np.zeros((1, 4, 4, 4), bool), tmp_path / "a_file" / "gallery", renderer)
    with pytest.raises(ValueError, match="turntable_frames must be an integer >= 1"):
        GalleryOptions(turntable_frames=0)
    with pytest.raises(ValueError, match="mesh formats must be a non-empty subset"):
        GalleryOptions(mesh_formats=("stl",))


def run_sample(*arguments, timeout=240):
    environment = dict(os.environ, PYTHONPATH=str(REPOSITORY))
    command = [sys.executable, "-m", "iggan_tf.serving.sample_main", *arguments]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=environment)


@pytest.fixture(scope="module")
def tiny_savedmodel(tmp_path_factory):
    import keras

    from iggan_tf.nets import GeneratorConfig, make_generator
    from iggan_tf.serving.generator_savedmodel import export_generator

    keras.utils.set_random_seed(0)
    base_dir = tmp_path_factory.mktemp("export") / "generator"
    export_generator(make_generator(GeneratorConfig(voxel_size=GRID, latent_dim=8, width=4)), base_dir)
    return base_dir


def test_iggan_sample_turns_a_savedmodel_into_a_gallery(tiny_savedmodel, tmp_path):
    arguments = [f"--model={tiny_savedmodel}", "--num=3", "--seed=5", "--threshold=0.5",
                 f"--image_size={IMAGE_SIZE}", "--turntable_frames=3", "--normal_map_views=2", "--render_workers=1"]
    result = run_sample(*arguments, f"--out={tmp_path / 'first'}")
    assert result.returncode == 0, result.stderr[-3000:]
    manifest = json.loads((tmp_path / "first" / "samples.json").read_text())
    assert manifest["model"] == str(tiny_savedmodel / "1")  # the base folder resolves to its newest version
    assert (manifest["seed"], manifest["num_samples"], manifest["threshold"]) == (5, 3, 0.5)
    assert manifest["model_metadata"]["resolution"] == GRID
    assert manifest["renderer"] == {"name": "pyrender", "shadows": True}
    voxels = np.load(tmp_path / "first" / "voxels.npz")["voxels"]
    assert voxels.shape == (3, GRID, GRID, GRID) and voxels.any()
    for sample in manifest["samples"]:
        for name in sample["meshes"] + [sample["turntable"]] * bool(sample["meshes"]):
            assert (tmp_path / "first" / name).stat().st_size > 0
    for picture in ("renders.png", "normal_maps.png", "normal_map_views.png"):
        assert (tmp_path / "first" / picture).is_file()
    # Same seed, same shapes.
    again = run_sample(*arguments[:-4], "--turntable_frames=1", "--normal_map_views=1", "--render_workers=1",
                       f"--image_size={IMAGE_SIZE}", "--formats=ply", f"--out={tmp_path / 'again'}")
    assert again.returncode == 0, again.stderr[-3000:]
    np.testing.assert_array_equal(np.load(tmp_path / "again" / "voxels.npz")["voxels"], voxels)


def test_iggan_sample_reports_bad_paths_clearly(tiny_savedmodel, tmp_path):
    (tmp_path / "a_file").write_text("")
    unwritable = run_sample(f"--model={tiny_savedmodel}", f"--out={tmp_path / 'a_file' / 'gallery'}")
    assert unwritable.returncode != 0 and "--out" in unwritable.stderr and "cannot be written" in unwritable.stderr
    not_a_model = run_sample(f"--model={tmp_path}", f"--out={tmp_path / 'gallery'}")
    assert not_a_model.returncode != 0
    assert "--model" in not_a_model.stderr and "neither a SavedModel directory" in not_a_model.stderr


def test_gallery_and_mesh_files_import_neither_tensorflow_nor_pyrender():
    code = (
        "import sys, iggan_tf.serving.gallery, iggan_tf.serving.mesh_files, iggan_tf.serving.sample_main; "
        "loaded = {'tensorflow', 'pyrender'} & set(sys.modules); assert not loaded, loaded"
    )
    environment = dict(os.environ, PYTHONPATH=str(REPOSITORY))
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120, env=environment)


@pytest.mark.slow
def test_savedmodel_benchmark_section_measures_the_paper_scale_generator():
    from iggan_tf.benchmarks import savedmodel_throughput

    result = savedmodel_throughput.measure(
        savedmodel_throughput.SavedModelBenchmark(seconds=1.0, gallery_samples=4, batch_sizes=(1, 4))
    )
    assert (result["resolution"], result["latent_size"]) == (64, 200)
    for batch in ("batch_1", "batch_4"):
        assert result[batch]["samples_per_second"] > 0 and result[batch]["calls"] >= 3
    # The benchmark weights make lumpy shapes, none empty, so the gallery times real meshing and drawing.
    assert result["gallery_empty_shapes"] == 0 and result["gallery_seconds"] > 0
