"""What people look at of generated shapes: meshes, a grid of OpenGL renders, a turntable GIF per shape, and
normal maps like the paper's Figure 3 (one sample from several views; all samples from a canonical view).

Shapes are meshed once here and drawn by the OpenGL worker pool; this module imports no TensorFlow, so it
works the same next to a loaded SavedModel or in a TF-free process.
"""

import dataclasses
import json
import os
import pathlib

import numpy as np

from iggan_tf.geometry.meshing import check_binary_voxels
from iggan_tf.pictures import image_grid, save_gif, save_png
from iggan_tf.serving.mesh_files import MESH_FORMATS, check_mesh_formats, meshes_from_voxels, write_meshes, writable_dir

# A three-quarter view from the front (+z) right (+x), looking down: the side a shape is usually shown from.
CANONICAL_AZIMUTH = 45.0
CANONICAL_ELEVATION = 30.0


@dataclasses.dataclass(frozen=True)
class GalleryOptions:
    """How many pictures of what. Views are in degrees; turntables and the views of the normal-map
    sweep turn the azimuth through a full circle at the canonical elevation."""

    turntable_frames: int = 24
    seconds_per_frame: float = 0.1
    normal_map_views: int = 8
    mesh_formats: tuple = MESH_FORMATS

    def __post_init__(self):
        for name in ("turntable_frames", "normal_map_views"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
        if not self.seconds_per_frame > 0:
            raise ValueError(f"seconds_per_frame must be > 0, got {self.seconds_per_frame!r}")
        object.__setattr__(self, "mesh_formats", check_mesh_formats(self.mesh_formats))


def full_turn(views: int) -> np.ndarray:
    """Azimuths [views] in degrees, evenly around the circle starting at the canonical azimuth."""
    return (CANONICAL_AZIMUTH + np.arange(views) * 360.0 / views) % 360.0


def turntable_frames(meshes, renderer, frames: int) -> dict:
    """{index: images [frames, S, S, 1]} of each mesh with faces turning through a full circle at the canonical
    elevation, drawn by `renderer` (an OpenGLRenderer) in one call; an empty mesh has no surface and no entry."""
    shown = [index for index, mesh in enumerate(meshes) if len(mesh.faces)]
    if not shown:
        return {}
    images = renderer.render_meshes(
        [meshes[index] for index in shown for _ in range(frames)],
        np.tile(full_turn(frames), len(shown)),
        np.full(len(shown) * frames, CANONICAL_ELEVATION),
    )
    return dict(zip(shown, images.reshape(len(shown), frames, *images.shape[1:])))


def write_gallery(binary_voxels, out_dir, renderer, options: GalleryOptions = GalleryOptions()) -> dict:
    """Writes the files of generated binary_voxels [B, N, N, N] into out_dir; returns what it wrote.

    `renderer` is an iggan_tf.render.OpenGLRenderer (every registered renderer draws normal maps too). Layout: meshes/sample_<i>.<format> (none for an empty
    shape), renders.png (OpenGL, canonical view), turntables/sample_<i>.gif, normal_maps.png (canonical view),
    normal_map_views.png (the first non-empty sample around a full turn), voxels.npz (the grids, bool).
    """
    grids = check_binary_voxels(binary_voxels, "binary_voxels")
    out_dir = writable_dir(out_dir, "out_dir")
    meshes = meshes_from_voxels(grids)
    count = len(meshes)
    canonical_azimuth = np.full(count, CANONICAL_AZIMUTH)
    canonical_elevation = np.full(count, CANONICAL_ELEVATION)

    mesh_paths = write_meshes(meshes, out_dir / "meshes", options.mesh_formats)
    np.savez_compressed(out_dir / "voxels.npz", voxels=grids)
    renders = renderer.render_meshes(meshes, canonical_azimuth, canonical_elevation)
    save_png(image_grid(renders), out_dir / "renders.png")
    normal_maps = renderer.render_normal_maps(meshes, canonical_azimuth, canonical_elevation)
    save_png(image_grid(normal_maps), out_dir / "normal_maps.png")

    # An empty shape has no surface: no turntable, and it cannot be the sample of the normal-map sweep.
    turntables = turntable_frames(meshes, renderer, options.turntable_frames)
    shown = list(turntables)
    turntable_paths = dict.fromkeys(range(count))
    for index, frames_of_shape in turntables.items():
        path = out_dir / "turntables" / f"sample_{index:03d}.gif"
        turntable_paths[index] = save_gif(frames_of_shape, path, options.seconds_per_frame)

    if shown:
        views = options.normal_map_views
        sweep = renderer.render_normal_maps(
            [meshes[shown[0]]] * views, full_turn(views), np.full(views, CANONICAL_ELEVATION)
        )
        save_png(image_grid(sweep, columns=views), out_dir / "normal_map_views.png")

    def relative(path):
        return str(pathlib.Path(path).relative_to(out_dir)) if path else None

    return {
        "renderer": {"name": renderer.renderer, "shadows": renderer.shadows},
        "renders": "renders.png",
        "normal_maps": "normal_maps.png",
        "normal_map_views": {"sample": shown[0], "file": "normal_map_views.png"} if shown else None,
        "voxels": "voxels.npz",
        "canonical_view": {"azimuth": CANONICAL_AZIMUTH, "elevation": CANONICAL_ELEVATION},
        "samples": [
            {
                "index": index,
                "occupied_fraction": float(grids[index].mean()),
                "meshes": [relative(path) for path in mesh_paths[index]],
                "turntable": relative(turntable_paths[index]),
            }
            for index in range(count)
        ],
    }


def sample_gallery(model, out_dir, num_samples: int, seed: int, threshold: float, renderer,
                   options: GalleryOptions = GalleryOptions()) -> dict:
    """Samples binary shapes from `model` (a loaded generator SavedModel) and writes their gallery, then
    samples.json: it records the model, the seed and the threshold so the gallery can be reproduced, and as
    the last file written it marks the gallery complete."""
    binary_voxels = model.sample(seed, num_samples, threshold=threshold)
    record = write_gallery(binary_voxels, out_dir, renderer, options)
    manifest = {
        "model": str(model.path),
        "model_metadata": model.metadata,
        "seed": seed,
        "num_samples": num_samples,
        "threshold": threshold,
        "image_size": renderer.image_size,
        **record,
    }
    path = pathlib.Path(out_dir) / "samples.json"
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(json.dumps(manifest, indent=2) + "\n")
    os.replace(temporary, path)
    return manifest
