"""What the training loop asks of a distribution mode; each mode's module implements it (see the package docstring).

The step the modes run is the same IGGAN step: a distributed mode runs it on every replica with that replica's part
of the global batch and of the step's random draws, and the Keras optimizers all-reduce the updates.
"""

import abc
import pathlib


class Distribution(abc.ABC):
    """One process's view of the run's devices. Use as a context manager: close() removes what it made."""

    #: The --distribution name.
    name: str
    #: Replicas that step in sync, over all workers; --batch_size (the global batch) is split evenly over them.
    replicas: int
    #: Whether this process writes the workdir (checkpoints, summaries, samples, export).
    is_chief: bool
    #: Whether the generator's batch norm uses the statistics of the global batch, all-reduced over the replicas.
    synchronized_batch_norm: bool

    @abc.abstractmethod
    def scope(self):
        """The context in which the networks, optimizers, random generator and step counter are created."""

    @abc.abstractmethod
    def check_batch_size(self, batch_size: int) -> None:
        """ValueError naming --batch_size when the global batch cannot be split evenly over the replicas."""

    @abc.abstractmethod
    def local_batch_size(self, batch_size: int) -> int:
        """Examples of the global batch that this process's replicas see."""

    @abc.abstractmethod
    def input_batches(self, make_dataset):
        """The batches the steps take: `make_dataset(tf.distribute.InputContext)` builds this process's input
        pipeline, which yields batches of the per-replica batch size from its shard of the stream."""

    @abc.abstractmethod
    def step_function(self, model, batch_size: int):
        """A callable (batch from input_batches) -> {metric name: scalar} running one IGGAN step on the global batch
        of `batch_size` and returning that step's metrics alone; no XLA (the OpenGL renderer is a tf.py_function)."""

    @abc.abstractmethod
    def local_images(self, batch):
        """This process's images of a batch from input_batches, as one tensor (what its snapshots show)."""

    @abc.abstractmethod
    def copy_into_scope(self, network, build):
        """The network the step trains: `network` itself, or a copy built by `build()` in `scope()` holding
        `network`'s weights (`network` is None on a process that gets them from share_chief_state)."""

    @abc.abstractmethod
    def share_chief_state(self, variables) -> None:
        """Gives every replica the chief's values of `variables` (the restored or freshly set-up state)."""

    @abc.abstractmethod
    def output_directory(self, workdir: pathlib.Path) -> pathlib.Path:
        """Where this process writes checkpoints, summaries and the export: the workdir on the chief, a temporary
        directory (removed by close()) on the other workers, which must write too (TensorFlow's multi-worker guide:
        saving may take part in collectives)."""

    def close(self) -> None:
        """Releases what the mode made (temporary directories)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
