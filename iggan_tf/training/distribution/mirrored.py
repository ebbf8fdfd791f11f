"""--distribution=mirrored: tf.distribute.MirroredStrategy over the devices of this machine, one replica each.

The devices are the GPUs, or with none the logical CPU devices (one unless the process split its CPU with
tf.config.set_logical_device_configuration, as the tests do). One process, so one render pool serves every
replica's renders (the pool takes one call at a time, each spread over all its workers) and this process is
the chief.
"""

import tensorflow as tf

from iggan_tf.training.distribution.replicated import Replicated


def make() -> Replicated:
    devices = tf.config.list_logical_devices("GPU") or tf.config.list_logical_devices("CPU")
    strategy = tf.distribute.MirroredStrategy([device.name for device in devices])
    return Replicated("mirrored", strategy, is_chief=True, worker="mirrored")
