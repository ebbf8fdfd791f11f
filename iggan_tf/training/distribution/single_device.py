"""--distribution=none: the run on TensorFlow's default device, bit for bit the step as it is without distribution."""

import contextlib

import tensorflow as tf

from iggan_tf.training.distribution.interface import Distribution


class SingleDevice(Distribution):
    name = "none"
    replicas = 1
    is_chief = True
    synchronized_batch_norm = False

    def scope(self):
        return contextlib.nullcontext()

    def check_batch_size(self, batch_size):
        pass

    def local_batch_size(self, batch_size):
        return batch_size

    def input_batches(self, make_dataset):
        return make_dataset(tf.distribute.InputContext())

    def step_function(self, model, batch_size):
        train_step = tf.function(model.train_step, jit_compile=False, reduce_retracing=True)

        def step(batch):
            for metric in model.metrics:
                metric.reset_state()
            return train_step(batch)

        return step

    def local_images(self, batch):
        return batch

    def copy_into_scope(self, network, build):
        return network

    def share_chief_state(self, variables):
        pass

    def output_directory(self, workdir):
        return workdir


def make() -> SingleDevice:
    return SingleDevice()
