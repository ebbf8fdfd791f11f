"""Natural object photos with the background cut out (the Chanterelle set of Henzler et al. 2019) turned into
square training images as in the paper (Section 4.2): composite on black, crop to the object with a margin,
resize, and unify the mean intensity of the object additively across the set. numpy + Pillow only.
"""

import dataclasses
import io
import warnings

import numpy as np
from PIL import Image, UnidentifiedImageError

# Border around the object's bounding box, as a fraction of the box's longer side, on every side.
CROP_MARGIN = 0.1
# Pixels more opaque than this belong to the object when finding its bounding box (soft edges are ignored).
OBJECT_ALPHA = 0.5
# Decoding more pixels than this is refused: the photos are 500 to 1000 px, a bigger image is not one of them.
MAX_PIXELS = 4096 * 4096


@dataclasses.dataclass(frozen=True)
class SquarePhoto:
    """One photo cropped and resized: colour already multiplied by coverage (black background) and the
    coverage itself, both float32 [S, S, 3] / [S, S] in [0, 1]."""

    colour: np.ndarray
    coverage: np.ndarray

    def mean_intensity(self) -> float:
        """Mean intensity of the object alone: colour averaged over pixels and channels, weighted by coverage."""
        return float(self.colour.sum() / (3.0 * self.coverage.sum()))

    def with_intensity_offset(self, offset: float) -> np.ndarray:
        """uint8 [S, S, 3] with `offset` added to the object's intensity; the black background stays black."""
        shifted = self.colour + offset * self.coverage[..., None]
        return np.round(np.clip(shifted, 0.0, 1.0) * 255.0).astype(np.uint8)


def decode_rgba(data: bytes) -> np.ndarray:
    """The PNG in `data` as float32 RGBA [H, W, 4] in [0, 1]; palette transparency becomes alpha.

    Raises ValueError if the bytes are not a complete PNG of at most MAX_PIXELS pixels.
    """
    if not data:
        raise ValueError("empty file")
    try:
        with warnings.catch_warnings():
            # PIL warns about palette transparency given as bytes; converting to RGBA is what it recommends.
            warnings.simplefilter("ignore", UserWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.format != "PNG":
                    raise ValueError(f"not a PNG (the content is {image.format})")
                if image.width * image.height > MAX_PIXELS:
                    raise ValueError(f"{image.width}x{image.height} pixels exceed MAX_PIXELS = {MAX_PIXELS}")
                rgba = np.asarray(image.convert("RGBA"), dtype=np.float32) / 255.0
    except UnidentifiedImageError as error:
        raise ValueError("not a readable PNG (not an image format Pillow knows)") from error
    except (OSError, SyntaxError, Image.DecompressionBombError) as error:
        # PIL raises OSError for unknown or truncated files, SyntaxError for some malformed chunks.
        raise ValueError(f"not a readable PNG ({type(error).__name__}: {error})") from error
    return rgba


def square_photo(rgba: np.ndarray, image_size: int, margin: float = CROP_MARGIN) -> SquarePhoto:
    """Composites `rgba` [H, W, 4] on black, crops a square around the object (its opaque pixels) with
    `margin`, padding with background where the square leaves the photo, and resizes to `image_size`.

    Raises ValueError when no pixel is opaque enough to be part of an object.
    """
    rgba = np.asarray(rgba, dtype=np.float32)
    if rgba.ndim != 3 or rgba.shape[-1] != 4:
        raise ValueError(f"rgba must have shape [H, W, 4], got {rgba.shape}")
    alpha = rgba[..., 3]
    rows, columns = np.nonzero(alpha > OBJECT_ALPHA)
    if rows.size == 0:
        raise ValueError("no object: every pixel is (nearly) transparent")
    top, bottom = rows.min(), rows.max() + 1
    left, right = columns.min(), columns.max() + 1
    side = max(bottom - top, right - left)
    side = int(np.ceil(side * (1.0 + 2.0 * margin)))
    centre_row, centre_column = (top + bottom) // 2, (left + right) // 2
    first_row, first_column = centre_row - side // 2, centre_column - side // 2
    premultiplied = np.concatenate([rgba[..., :3] * alpha[..., None], alpha[..., None]], axis=-1)
    square = np.zeros((side, side, 4), np.float32)
    # The part of the square that lies inside the photo; the rest stays transparent black.
    source_rows = slice(max(first_row, 0), min(first_row + side, rgba.shape[0]))
    source_columns = slice(max(first_column, 0), min(first_column + side, rgba.shape[1]))
    target_rows = slice(source_rows.start - first_row, source_rows.stop - first_row)
    target_columns = slice(source_columns.start - first_column, source_columns.stop - first_column)
    square[target_rows, target_columns] = premultiplied[source_rows, source_columns]
    # Resizing premultiplied colour keeps object edges from bleeding into the background or vice versa; the
    # (antialiased) bilinear filter has no negative lobes, so colour / coverage stays an average of the object.
    channels = [
        np.asarray(Image.fromarray(square[..., channel]).resize((image_size, image_size), Image.Resampling.BILINEAR))
        for channel in range(4)
    ]
    resized = np.clip(np.stack(channels, axis=-1), 0.0, 1.0)
    return SquarePhoto(colour=resized[..., :3], coverage=resized[..., 3])


def intensity_offsets(mean_intensities) -> tuple[np.ndarray, float]:
    """Additive offsets that bring every photo's object intensity to the set's mean; returns (offsets, mean)."""
    means = np.asarray(mean_intensities, dtype=np.float64)
    if means.ndim != 1 or means.size == 0:
        raise ValueError(f"mean_intensities must be a non-empty 1-D sequence, got shape {means.shape}")
    target = float(means.mean())
    return target - means, target
