"""Chanterelle photo preparation (iggan_tf.datasets.photos): decoding with palette transparency, cropping
around the object on black, and additive unification of the mean intensity."""

import io

import numpy as np
import pytest
from PIL import Image

from iggan_tf.datasets import photos


def _palette_png(width, height, box, colour, key_colour=(0, 255, 0)) -> bytes:
    """A palette PNG whose entry 0 (drawn in `key_colour`) is transparent, with an opaque box of `colour`."""
    indices = np.zeros((height, width), np.uint8)
    top, left, bottom, right = box
    indices[top:bottom, left:right] = 1
    image = Image.frombytes("P", (width, height), indices.tobytes())
    image.putpalette([*key_colour, *colour])
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", transparency=0, optimize=False)
    return buffer.getvalue()


def test_palette_transparency_becomes_alpha_and_the_key_colour_never_shows():
    rgba = photos.decode_rgba(_palette_png(60, 40, (10, 20, 30, 50), (200, 100, 50)))
    assert rgba.shape == (40, 60, 4)
    assert np.all(rgba[10:30, 20:50, 3] == 1.0) and rgba[..., 3].sum() == 20 * 30
    photo = photos.square_photo(rgba, 32)
    # The transparent pixels carry pure green; composited on black none of it may remain.
    green_only = (photo.colour[..., 1] > 0) & (photo.colour[..., 0] == 0)
    assert not green_only.any()
    assert np.all(photo.colour[photo.coverage == 0] == 0)


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"", "empty"),
        (b"this is not an image at all", "not a readable PNG"),
        (None, "not a PNG"),  # a JPEG named .png, built below
        ("truncated", "not a readable PNG"),
    ],
)
def test_unusable_files_raise_value_error_with_reason(data, reason):
    if data is None:
        buffer = io.BytesIO()
        Image.new("RGB", (20, 10), (90, 60, 30)).save(buffer, format="JPEG")
        data = buffer.getvalue()
    elif data == "truncated":
        data = _palette_png(60, 40, (10, 20, 30, 50), (200, 100, 50))[:60]
    with pytest.raises(ValueError, match=reason):
        photos.decode_rgba(data)


def test_square_crop_centres_the_object_with_the_margin_on_a_non_square_photo():
    width, height, box = 300, 120, (20, 200, 100, 280)  # an 80 x 80 object near the right edge
    rgba = photos.decode_rgba(_palette_png(width, height, box, (255, 255, 255)))
    photo = photos.square_photo(rgba, 64, margin=0.25)
    rows, columns = np.nonzero(photo.coverage > 0.5)
    # The object spans 1 / (1 + 2 * margin) of the side, centred.
    expected_side = 64 / 1.5
    assert abs((rows.max() - rows.min() + 1) - expected_side) <= 2
    assert abs((columns.max() - columns.min() + 1) - expected_side) <= 2
    assert abs((rows.min() + rows.max()) / 2 - 31.5) <= 1.5
    assert abs((columns.min() + columns.max()) / 2 - 31.5) <= 1.5


def test_object_at_the_border_is_padded_with_black():
    rgba = photos.decode_rgba(_palette_png(100, 50, (0, 0, 50, 30), (255, 200, 100)))
    photo = photos.square_photo(rgba, 32, margin=0.2)
    assert photo.colour.shape == (32, 32, 3)
    # Left and top borders lie outside the photo: black, transparent.
    assert np.all(photo.coverage[:, 0] == 0) and np.all(photo.colour[0] == 0)
    assert photo.coverage[16, 16] > 0.99


def test_fully_transparent_photo_is_rejected():
    rgba = np.zeros((20, 30, 4), np.float32)
    with pytest.raises(ValueError, match="no object"):
        photos.square_photo(rgba, 16)


def test_intensity_offsets_bring_every_object_to_the_set_mean_and_keep_the_background_black():
    prepared = [
        photos.square_photo(photos.decode_rgba(_palette_png(80, 60, (10, 10, 50, 70), (level, level, level))), 32)
        for level in (60, 120, 180)
    ]
    offsets, target = photos.intensity_offsets([photo.mean_intensity() for photo in prepared])
    assert target == pytest.approx(120 / 255, abs=1e-3)
    for photo, offset in zip(prepared, offsets):
        image = photo.with_intensity_offset(offset)
        assert image.dtype == np.uint8
        assert np.all(image[photo.coverage == 0] == 0)
        inside = photo.coverage > 0.999
        assert image[inside].mean() / 255 == pytest.approx(target, abs=2 / 255)


def test_intensity_offsets_need_values():
    with pytest.raises(ValueError, match="mean_intensities"):
        photos.intensity_offsets([])
