"""The unlimited-views pipeline (iggan_tf.datasets.online_views): every object once per epoch, a new view
each time, the right voxels handed to the renderer, reproducible from its seed. The renderer is replaced by
a TensorFlow stand-in here; test_datasets_online_opengl.py runs it through the real OpenGL pool."""

import numpy as np
import pytest
import tensorflow as tf

from iggan_tf.datasets import online_views
from iggan_tf.geometry.cameras import FULL_TURN_WIDE, LIMITED_VIEWPOINT

RESOLUTION = 8


def _objects(count: int, seed: int = 0) -> np.ndarray:
    """Random grids whose occupancy fractions differ, so an image can tell which object it shows."""
    rng = np.random.default_rng(seed)
    return np.stack([rng.random((RESOLUTION,) * 3) < (index + 1) / (count + 1) for index in range(count)])


def _occupancy_images(binary_voxels, azimuth, elevation):
    """Stand-in renderer: a 4x4 image filled with the grid's occupied fraction."""
    del azimuth, elevation
    fraction = tf.reduce_mean(tf.cast(binary_voxels, tf.float32), axis=[1, 2, 3])
    return tf.broadcast_to(fraction[:, None, None, None], [tf.shape(binary_voxels)[0], 4, 4, 1])


def _stream(dataset, batches):
    return [{key: value.numpy() for key, value in batch.items()} for batch in dataset.take(batches)]


@pytest.mark.parametrize("resolution", [8, 32])
def test_pack_and_unpack_round_trip(resolution):
    grids = np.random.default_rng(resolution).random((3, resolution, resolution, resolution)) < 0.3
    packed = online_views.pack_voxels(grids)
    assert packed.dtype == np.uint8 and packed.shape == (3, resolution**3 // 8)
    np.testing.assert_array_equal(online_views.unpack_voxels(tf.constant(packed), resolution).numpy(), grids)


def test_every_epoch_shows_each_object_once_from_a_new_view_with_its_own_voxels():
    grids = _objects(6)
    dataset = online_views.unlimited_views(
        online_views.pack_voxels(grids), RESOLUTION, FULL_TURN_WIDE, _occupancy_images, batch_size=3, seed=7
    )
    batches = _stream(dataset, 6)  # three epochs of six objects
    indices = np.concatenate([batch["object_index"] for batch in batches])
    azimuth = np.concatenate([batch["azimuth"] for batch in batches])
    elevation = np.concatenate([batch["elevation"] for batch in batches])
    images = np.concatenate([batch["image"] for batch in batches])
    epochs = indices.reshape(3, 6)
    for epoch in epochs:
        assert sorted(epoch) == list(range(6))
    assert len({tuple(epoch) for epoch in epochs}) > 1  # reshuffled
    for index in range(6):
        views = azimuth[indices == index]
        assert len(np.unique(views)) == 3  # a new view every epoch
    assert np.all((azimuth >= 0) & (azimuth <= 360)) and np.all((elevation >= -30) & (elevation <= 60))
    np.testing.assert_allclose(images[:, 0, 0, 0], grids.mean(axis=(1, 2, 3))[indices], rtol=1e-6)
    assert images.dtype == np.float32 and batches[0]["image"].shape == (3, 4, 4, 1)


def test_views_cover_the_range_and_the_stream_is_reproducible_from_the_seed():
    packed = online_views.pack_voxels(_objects(5))

    def stream(seed):
        dataset = online_views.unlimited_views(
            packed, RESOLUTION, LIMITED_VIEWPOINT, _occupancy_images, batch_size=4, seed=seed
        )
        return _stream(dataset, 50)

    first, again, other = stream(3), stream(3), stream(4)
    for left, right in zip(first, again):
        for key in left:
            np.testing.assert_array_equal(left[key], right[key])
    assert not np.array_equal(first[0]["azimuth"], other[0]["azimuth"])
    azimuth = np.concatenate([batch["azimuth"] for batch in first])
    elevation = np.concatenate([batch["elevation"] for batch in first])
    assert azimuth.min() >= -60 and azimuth.max() <= 60 and elevation.min() >= 15 and elevation.max() <= 60
    # 200 uniform draws reach close to both ends of each interval.
    assert azimuth.min() < -50 and azimuth.max() > 50 and elevation.min() < 20 and elevation.max() > 55


def test_finite_epochs_end_and_drop_the_incomplete_last_batch():
    dataset = online_views.unlimited_views(
        online_views.pack_voxels(_objects(5)), RESOLUTION, FULL_TURN_WIDE, _occupancy_images, batch_size=4, epochs=2
    )
    batches = _stream(dataset, 100)
    assert [len(batch["object_index"]) for batch in batches] == [4, 4]
    assert dataset.element_spec["image"].shape[0] == 4


@pytest.mark.parametrize(
    "packed, resolution, batch_size, message",
    [
        (np.zeros((2, 64), np.int32), 8, 2, "packed_voxels must be uint8"),
        (np.zeros((0, 64), np.uint8), 8, 2, "packed_voxels must be uint8"),
        (np.zeros((2, 64), np.uint8), 16, 2, "voxel_resolution 16"),
        (np.zeros((2, 64), np.uint8), 8, 0, "batch_size"),
    ],
)
def test_bad_arguments_are_named(packed, resolution, batch_size, message):
    with pytest.raises(ValueError, match=message):
        online_views.unlimited_views(packed, resolution, FULL_TURN_WIDE, _occupancy_images, batch_size=batch_size)


def test_a_stream_started_at_a_later_batch_continues_the_whole_stream():
    """A resumed run starts the stream at its checkpointed step and must see what an uninterrupted run sees."""
    packed = online_views.pack_voxels(_objects(5))

    def stream(first_batch, batches):
        dataset = online_views.unlimited_views(
            packed, RESOLUTION, FULL_TURN_WIDE, _occupancy_images, batch_size=3, seed=2, first_batch=first_batch
        )
        return _stream(dataset, batches)

    whole, resumed = stream(0, 7), stream(4, 3)
    for left, right in zip(whole[4:], resumed, strict=True):
        for key in left:
            np.testing.assert_array_equal(left[key], right[key])
