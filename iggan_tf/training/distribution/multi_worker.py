"""--distribution=multi_worker: tf.distribute.MultiWorkerMirroredStrategy over the worker processes that the
TF_CONFIG environment variable lists, one process per machine, each with its devices (GPUs, else its CPU) as
replicas and its own render pool.

The chief (task "chief", or "worker" 0 when there is none) writes the workdir; the others write to temporary
directories and receive the chief's state (restored checkpoint, pre-trained renderer) over the network, so only
the chief needs the workdir. Workers wait for each other at start. A worker that dies is noticed by TensorFlow
(at once when its connections reset; else by missed coordination-service heartbeats or the strategy's cluster
health check, every 30 s), which aborts the others' collectives: they stop with replicated.WorkerLostError, and
rerunning every worker resumes.
"""

import json
import os
import socket

import tensorflow as tf

from iggan_tf.training.distribution import REFUSED
from iggan_tf.training.distribution.replicated import Replicated

_TASK_TYPES = ("chief", "worker")


def cluster_from_environment() -> dict:
    """TF_CONFIG, parsed and checked: ValueError naming TF_CONFIG and what is wrong."""
    text = os.environ.get("TF_CONFIG")
    if not text:
        raise ValueError(
            "--distribution=multi_worker reads its cluster from the TF_CONFIG environment variable, which is not set: "
            'set it on every worker, e.g. {"cluster": {"worker": ["host0:12345", "host1:12345"]}, '
            '"task": {"type": "worker", "index": 0}}'
        )
    try:
        tf_config = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"TF_CONFIG is not JSON ({error}): {text!r}") from None
    cluster, task = tf_config.get("cluster"), tf_config.get("task")
    if not isinstance(cluster, dict) or not isinstance(task, dict):
        raise ValueError(f'TF_CONFIG must hold a "cluster" and a "task" object, got {text!r}')
    if "ps" in cluster:
        raise ValueError(f"TF_CONFIG lists parameter servers (ps): {REFUSED['parameter_server']}")
    unknown = sorted(set(cluster) - set(_TASK_TYPES))
    if unknown:
        raise ValueError(f"TF_CONFIG cluster may list only {' and '.join(_TASK_TYPES)} tasks, got {unknown}")
    for task_type, addresses in cluster.items():
        if not isinstance(addresses, list) or not addresses or not all(isinstance(a, str) and ":" in a for a in addresses):
            raise ValueError(f'TF_CONFIG cluster "{task_type}" must be a list of "host:port" strings, got {addresses!r}')
    task_type, index = task.get("type"), task.get("index")
    if task_type not in cluster or isinstance(index, bool) or not isinstance(index, int) or not (
        0 <= index < len(cluster[task_type])
    ):
        raise ValueError(f"TF_CONFIG task {task!r} must name a task type of its cluster and an index into its list")
    return tf_config


def local_cluster(workers: int) -> list:
    """The TF_CONFIG values (JSON strings) of `workers` worker processes on this machine, on free 127.0.0.1 ports:
    how the tests and the benchmark start a multi-worker run without a cluster."""
    sockets = [socket.socket() for _ in range(workers)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        addresses = [f"127.0.0.1:{sock.getsockname()[1]}" for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()
    return [json.dumps({"cluster": {"worker": addresses}, "task": {"type": "worker", "index": index}})
            for index in range(workers)]


def make() -> Replicated:
    tf_config = cluster_from_environment()
    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    task = tf_config["task"]
    return Replicated("multi_worker", strategy, is_chief=strategy.extended.should_checkpoint,
                      worker=f"{task['type']}{task['index']}")
