"""Image grids and picture files: how samples, renders and galleries are shown to people. numpy + Pillow only."""

import os
import pathlib

import numpy as np
from PIL import Image


def image_grid(images, columns: int | None = None, padding: int = 2) -> np.ndarray:
    """Tiles images [B, H, W, C] (float in [0, 1] or uint8) into one uint8 image [rows*H, columns*W, C].

    Cells are separated by `padding` pixels of mid-gray so that black backgrounds stay distinguishable.
    """
    array = np.asarray(images)
    if array.ndim != 4 or array.shape[0] == 0:
        raise ValueError(f"images must have shape [B, H, W, C] with B >= 1, got {array.shape}")
    if array.dtype != np.uint8:
        array = (np.clip(array, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    count, height, width, channels = array.shape
    columns = columns or int(np.ceil(np.sqrt(count)))
    if columns < 1:
        raise ValueError(f"columns must be >= 1, got {columns}")
    rows = int(np.ceil(count / columns))
    grid = np.full(
        (rows * height + (rows + 1) * padding, columns * width + (columns + 1) * padding, channels), 128, np.uint8
    )
    for index in range(count):
        row, column = divmod(index, columns)
        top = padding + row * (height + padding)
        left = padding + column * (width + padding)
        grid[top:top + height, left:left + width] = array[index]
    return grid


def _pil_image(image) -> Image.Image:
    """An image [H, W, C] (C in 1, 3, 4; float in [0, 1] or uint8) as a Pillow image."""
    array = np.asarray(image)
    if array.dtype != np.uint8:
        array = (np.clip(array, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    return Image.fromarray(array)


def save_png(image, path) -> pathlib.Path:
    """Writes an image [H, W, C] (C in 1, 3, 4) atomically: a crash never leaves a truncated PNG."""
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    _pil_image(image).save(temporary, format="PNG")
    os.replace(temporary, path)
    return path


def save_gif(frames, path, seconds_per_frame: float = 0.1) -> pathlib.Path:
    """Writes frames [T, H, W, C] as a looping animated GIF (turntables), atomically like save_png."""
    array = np.asarray(frames)
    if array.ndim != 4 or array.shape[0] == 0:
        raise ValueError(f"frames must have shape [T, H, W, C] with T >= 1, got {array.shape}")
    if not seconds_per_frame > 0:
        raise ValueError(f"seconds_per_frame must be > 0, got {seconds_per_frame}")
    images = [_pil_image(frame) for frame in array]
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    images[0].save(temporary, format="GIF", save_all=True, append_images=images[1:],
                   duration=round(1000 * seconds_per_frame), loop=0)
    os.replace(temporary, path)
    return path
