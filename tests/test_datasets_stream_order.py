"""The order of a training stream (iggan_tf.datasets.stream_order): each epoch a permutation drawn from (seed,
epoch), any position computable on its own, so a stream started at a later position is the tail of the whole."""

import numpy as np
import pytest

from iggan_tf.datasets import stream_order


def _elements(dataset):
    return [{key: int(value) for key, value in element.items()} for element in dataset.as_numpy_iterator()]


def test_every_epoch_is_a_new_permutation_fixed_by_the_seed():
    count = 7
    elements = _elements(stream_order.positions(count, seed=3, stop_position=4 * count))
    orders = np.array([element["example_index"] for element in elements]).reshape(4, count)
    for epoch, order in enumerate(orders):
        assert sorted(order) == list(range(count))
        assert {element["epoch"] for element in elements[epoch * count:(epoch + 1) * count]} == {epoch}
    assert len({tuple(order) for order in orders}) == 4
    again = _elements(stream_order.positions(count, seed=3, stop_position=4 * count))
    other = _elements(stream_order.positions(count, seed=4, stop_position=4 * count))
    assert again == elements and other != elements


def test_a_stream_started_later_is_the_tail_of_the_whole_stream():
    whole = _elements(stream_order.positions(5, seed=0, stop_position=23))
    assert _elements(stream_order.positions(5, seed=0, first_position=12, stop_position=23)) == whole[12:]
    assert [element["position"] for element in whole] == list(range(23))


def test_a_single_example_is_shown_every_time():
    assert {element["example_index"] for element in _elements(stream_order.positions(1, 0, stop_position=5))} == {0}


@pytest.mark.parametrize("arguments, name", [((0, 0), "count"), ((3, -1), "seed"), ((3, 0, -2), "first_position")])
def test_bad_arguments_are_named(arguments, name):
    with pytest.raises(ValueError, match=name):
        stream_order.positions(*arguments)
