"""What --distribution=mirrored and multi_worker share: a strategy of the MirroredStrategy family runs the IGGAN
step on every replica, each with its part of the global batch, and keeps every variable mirrored.

- Updates: the Keras optimizers all-reduce (SUM) the replicas' gradients of D, R and G; each replica's losses are
  its share of the global batch's mean (losses.share_of_global_batch), so the sum is the global batch's gradient.
  The generator's batch norm uses the global batch's statistics (synchronized), so a distributed step computes
  what a single-device step computes on the same global batch, up to the order of floating-point sums.
- Random draws: latents, views and thresholds of the whole global batch are drawn once per step from the run's
  one checkpointed tf.random.Generator, in cross-replica context, where every worker draws the same numbers
  (the generator's state is mirrored and advances identically everywhere); replica r takes rows
  [r * b, (r + 1) * b) of them, b the per-replica batch. The replicas' streams differ, follow from the seed, and
  together are the single-device stream: a run resumes in any mode with the same global batch.
- Input: each worker's pipeline holds only its runs of each global batch (stream_order.positions_of_pipeline).
"""

import pathlib
import shutil
import tempfile

import tensorflow as tf
from absl import logging

from iggan_tf.training.distribution.interface import Distribution


class WorkerLostError(RuntimeError):
    """A collective of the step could not complete: a worker of the cluster died or stopped answering."""


# What a collective raises when a peer is gone: TensorFlow aborts the collectives with UnavailableError (a reset
# connection, missed coordination-service heartbeats, a failed cluster health check) or times an RPC out.
_LOST_PEER_ERRORS = (tf.errors.UnavailableError, tf.errors.DeadlineExceededError)


class Replicated(Distribution):
    """A Distribution over `strategy`; `worker` names this process in messages and temporary directories."""

    synchronized_batch_norm = True

    def __init__(self, name: str, strategy: tf.distribute.Strategy, is_chief: bool, worker: str):
        self.name = name
        self.strategy = strategy
        self.replicas = strategy.num_replicas_in_sync
        self.is_chief = is_chief
        self.worker = worker
        self._temporary_directory = None

    def scope(self):
        return self.strategy.scope()

    def check_batch_size(self, batch_size):
        if batch_size % self.replicas:
            raise ValueError(
                f"--batch_size={batch_size} is the global batch, split evenly over the {self.replicas} replicas of "
                f"--distribution={self.name}: choose a multiple of {self.replicas}"
            )

    def local_batch_size(self, batch_size):
        return batch_size // self.replicas * len(self.strategy.extended.worker_devices)

    def input_batches(self, make_dataset):
        return self.strategy.distribute_datasets_from_function(make_dataset)

    def step_function(self, model, batch_size):
        strategy = self.strategy
        names = [metric.name for metric in model.metrics]

        def replica_step(images, randomness):
            # Reset here, in replica context, each replica's own sums: a reset outside would be a collective each.
            for metric in model.metrics:
                metric.reset_state()
            logs = model.train_step_with(images, tf.nest.map_structure(_part_of_this_replica, randomness))
            return tf.stack([logs[name] for name in names])

        @tf.function(jit_compile=False, reduce_retracing=True)
        def train_step(batch):
            randomness = model.draw_step_randomness(batch_size)
            # Each replica's metrics are means over its equal part of the global batch: their mean is the batch's
            # (one all-reduce for all of them).
            values = strategy.reduce(tf.distribute.ReduceOp.MEAN, strategy.run(replica_step, args=(batch, randomness)),
                                     axis=None)
            return dict(zip(names, tf.unstack(values)))

        return self._naming_lost_workers(train_step, "the training step")

    def local_images(self, batch):
        return tf.concat(self.strategy.experimental_local_results(batch), axis=0)

    def copy_into_scope(self, network, build):
        with self.strategy.scope():
            copy = build()
        if network is not None:
            copy.set_weights(network.get_weights())
        return copy

    def share_chief_state(self, variables):
        """All-reduces (SUM) the chief's first replica's values with zeros from every other replica: a broadcast,
        exact for every dtype, built from the collective the strategy offers. Workers other than the chief then
        need neither its checkpoints nor its pre-trained renderer on their own disks."""
        by_dtype = {}
        for variable in variables:  # one all-reduce per dtype: the strategy packs each into one tensor
            by_dtype.setdefault(tf.as_dtype(variable.dtype), []).append(variable)

        def broadcast():
            context = tf.distribute.get_replica_context()
            is_first = tf.equal(context.replica_id_in_sync_group, 0)
            for group in by_dtype.values():
                values = [tf.where(is_first, tf.convert_to_tensor(variable), tf.zeros(variable.shape, variable.dtype))
                          for variable in group]
                for variable, value in zip(group, context.all_reduce(tf.distribute.ReduceOp.SUM, values)):
                    variable.assign(value)

        self._naming_lost_workers(tf.function(lambda: self.strategy.run(broadcast)), "sharing the chief's state")()

    def output_directory(self, workdir):
        if self.is_chief:
            return pathlib.Path(workdir)
        if self._temporary_directory is None:
            self._temporary_directory = pathlib.Path(tempfile.mkdtemp(prefix=f"iggan-{self.worker}-"))
            logging.info("%s is not the chief: it writes its checkpoints, summaries and export to %s (removed at its "
                         "end)", self.worker, self._temporary_directory)
        return self._temporary_directory

    def close(self):
        if self._temporary_directory is not None:
            shutil.rmtree(self._temporary_directory, ignore_errors=True)
            self._temporary_directory = None

    def _naming_lost_workers(self, function, what: str):
        """`function`, raising WorkerLostError with what to do when a collective in it fails for a lost peer."""

        def run(*args):
            try:
                return function(*args)
            except _LOST_PEER_ERRORS as error:
                raise WorkerLostError(
                    f"{self.worker}: {what} stopped because a worker of the --distribution={self.name} cluster is "
                    "gone or stopped answering. Every worker must stop; rerun all of them with the same command to "
                    f"resume from the chief's last checkpoint. TensorFlow: {type(error).__name__}: {error.message}"
                ) from error

        return run


def _part_of_this_replica(tensor):
    """Rows [r * b, (r + 1) * b) of a global-batch tensor on replica r, b = rows / replicas (static shape kept)."""
    context = tf.distribute.get_replica_context()
    rows = tensor.shape[0] // context.num_replicas_in_sync
    first = tf.cast(context.replica_id_in_sync_group, tf.int32) * rows
    return tf.gather(tensor, first + tf.range(rows))
