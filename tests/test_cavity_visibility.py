"""Tests for iggan_tf.render.cavity_visibility: the filled twin of each shape differs from it exactly by its open
cavity, the floorless one exactly by the floor under it, and a renderer that lights the inside of a tub shows the
difference."""

import dataclasses

import numpy as np
import pytest

from iggan_tf.metrics.hollow_rate import open_cavity
from iggan_tf.render.cavity_visibility import CavityVisibility, cavity_visibility, floorless, hollow_and_twin

SMALL = CavityVisibility(shapes=3, voxel_size=16, image_size=32, workers=1)


def test_the_filled_twin_adds_the_open_cavity_and_nothing_else():
    hollow, filled = hollow_and_twin(SMALL)
    assert hollow.shape == filled.shape and hollow.shape[1:] == (16, 16, 16, 1)
    for shape, twin in zip(hollow[..., 0] > 0.5, filled[..., 0] > 0.5):
        assert np.array_equal(twin & ~shape, open_cavity(shape))
        assert not open_cavity(twin).any()


def test_the_floorless_twin_of_a_cup_is_its_ring_of_walls():
    cup = np.zeros((6, 6, 6), bool)
    cup[1:5, 1:5, 1:5] = True  # walls and a floor one voxel thick: y = 1 is the floor
    cup[2:4, 2:5, 2:4] = False
    ring = cup.copy()
    ring[2:4, 1, 2:4] = False
    assert np.array_equal(floorless(cup, open_cavity(cup)), ring)


def test_the_floorless_twins_of_tubs_lose_voxels_only_under_their_cavities():
    hollow, twin = hollow_and_twin(dataclasses.replace(SMALL, twin="floorless"))
    for shape, ring in zip(hollow[..., 0] > 0.5, twin[..., 0] > 0.5):
        removed = shape & ~ring
        cavity = open_cavity(shape)
        assert removed.any() and not (ring & ~shape).any()
        for x, y, z in np.argwhere(removed):
            assert cavity[x, y:, z].any() and not cavity[x, : y + 1, z].any()


def test_shapes_without_a_cavity_are_refused_by_class():
    with pytest.raises(ValueError, match="none of the 2 table shapes has an open cavity"):
        hollow_and_twin(CavityVisibility(class_name="table", shapes=2, voxel_size=16))


def test_an_unshadowed_renderer_shows_a_tubs_cavity():
    # pyrender_unlit lights the inner walls (no shadows), so a tub and its filled twin must render differently.
    measured = cavity_visibility(SMALL, "pyrender_unlit", shadows=False)
    assert measured["shapes"] == 3
    assert 0.01 < measured["mean_difference"] <= measured["largest_difference"] <= 1.0


@pytest.mark.parametrize("bad", [0, -1, 2.5, True])
def test_bad_sizes_are_named(bad):
    with pytest.raises(ValueError, match="shapes must be an integer >= 1"):
        CavityVisibility(shapes=bad)


def test_an_unknown_twin_is_named():
    with pytest.raises(ValueError, match="twin must be one of filled, floorless, got 'empty'"):
        CavityVisibility(twin="empty")
