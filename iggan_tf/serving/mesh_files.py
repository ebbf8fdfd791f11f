"""Generated voxel grids to files: meshes (OBJ, GLB, PLY) by the project's marching cubes, and checked output
folders. Shared by the sampling tool and the serving client; numpy and trimesh only, no TensorFlow.
"""

import os
import pathlib
import tempfile

from iggan_tf.geometry.meshing import check_binary_voxels, voxels_to_trimesh

MESH_FORMATS = ("obj", "glb", "ply")


def writable_dir(path, name: str) -> pathlib.Path:
    """Creates `path` if needed and proves it writable now, so a long job fails before its work, not after.

    ValueError naming `name` (the flag or argument) when the folder cannot be created or written.
    """
    path = pathlib.Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as error:
        raise ValueError(f"{name} {str(path)!r} cannot be written: {error}") from None
    return path


def check_mesh_formats(formats) -> tuple[str, ...]:
    """Lower-cased mesh formats; ValueError for an empty list or a format not in MESH_FORMATS."""
    formats = tuple(str(extension).lower().lstrip(".") for extension in formats)
    unknown = sorted(set(formats) - set(MESH_FORMATS))
    if not formats or unknown:
        raise ValueError(f"mesh formats must be a non-empty subset of {MESH_FORMATS}, got {formats}")
    return formats


def meshes_from_voxels(binary_voxels) -> list:
    """One trimesh per grid of binary_voxels [B, N, N, N] (marching cubes; an empty grid gives an empty mesh)."""
    return [voxels_to_trimesh(grid) for grid in check_binary_voxels(binary_voxels, "binary_voxels")]


def write_meshes(meshes, out_dir, formats=MESH_FORMATS, prefix: str = "sample") -> list[list[pathlib.Path]]:
    """Writes mesh i as `<out_dir>/<prefix>_<i>.<format>` for each format; returns the paths per mesh.

    An empty mesh (an empty grid has no surface) gets no files and an empty list. Files are written under a
    temporary name and renamed, so an interrupted run never leaves a truncated mesh.
    """
    formats = check_mesh_formats(formats)
    out_dir = writable_dir(out_dir, "out_dir")
    written = []
    for index, mesh in enumerate(meshes):
        paths = []
        if len(mesh.faces):
            for extension in formats:
                path = out_dir / f"{prefix}_{index:03d}.{extension}"
                temporary = path.with_name(f".{path.name}.tmp")
                mesh.export(temporary, file_type=extension)
                os.replace(temporary, path)
                paths.append(path)
        written.append(paths)
    return written
