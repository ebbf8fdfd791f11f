"""GPU memory sharing with the render workers, tested on CPU with TensorFlow's device calls recorded."""

import pytest
import tensorflow as tf

from iggan_tf.devices import share_gpus_with_render_workers

FAKE_GPUS = [tf.config.PhysicalDevice("/physical_device:GPU:0", "GPU"),
             tf.config.PhysicalDevice("/physical_device:GPU:1", "GPU")]


@pytest.fixture
def recorded_gpu_calls(monkeypatch):
    calls = []
    monkeypatch.setattr(tf.config, "list_physical_devices", lambda kind=None: FAKE_GPUS if kind == "GPU" else [])
    monkeypatch.setattr(tf.config.experimental, "set_memory_growth",
                        lambda device, enable: calls.append(("growth", device.name, enable)))
    monkeypatch.setattr(tf.config, "set_logical_device_configuration",
                        lambda device, configs: calls.append(("limit", device.name, configs[0].memory_limit)))
    return calls


def test_by_default_every_gpu_grows_its_memory_instead_of_reserving_it(recorded_gpu_calls):
    assert share_gpus_with_render_workers() == FAKE_GPUS
    assert recorded_gpu_calls == [("growth", gpu.name, True) for gpu in FAKE_GPUS]


def test_a_memory_limit_caps_every_gpu(recorded_gpu_calls):
    share_gpus_with_render_workers(4096)
    assert recorded_gpu_calls == [("limit", gpu.name, 4096) for gpu in FAKE_GPUS]


def test_a_cpu_machine_is_left_as_it_is():
    assert tf.config.list_physical_devices("GPU") == []
    assert share_gpus_with_render_workers(1024) == []


@pytest.mark.parametrize("limit", [-1, 1.5, True, "4096"])
def test_bad_limits_are_rejected_naming_the_flag(limit):
    with pytest.raises(ValueError, match="gpu_memory_limit_mb"):
        share_gpus_with_render_workers(limit)
