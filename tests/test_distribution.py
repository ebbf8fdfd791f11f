"""--distribution: the modes' names and refusals, TF_CONFIG checks, input sharding, the loss share of a replica; and
in the slow suite, MirroredStrategy over two logical CPUs against one device, and MultiWorkerMirroredStrategy with
two local worker processes: replicas in sync, chief-only writes, a killed worker, resume across modes.

Strategies run in processes of their own (tests/distributed_runs.py): a CPU is split into logical devices before
TensorFlow initializes, and a multi-worker run is several processes. Their steps contain a tf.py_function renderer,
which has no XLA kernel: that they run shows jit_compile is off.
"""

import dataclasses
import json
import os
import pathlib
import signal
import subprocess
import sys
import time
import types

import numpy as np
import pytest
import tensorflow as tf

from iggan_tf.datasets import stream_order
from iggan_tf.gan import losses
from iggan_tf.training.config import TrainingConfig
from iggan_tf.training.distribution import make_distribution, multi_worker
from iggan_tf.training.distribution.replicated import Replicated
from test_training import (  # noqa: F401  data_dir is a fixture
    REPOSITORY, checkpoint_values, data_dir, environment, latest_checkpoint_step, logged_scalars, tiny_config,
)

RUNS = REPOSITORY / "tests" / "distributed_runs.py"


def test_parameter_server_strategy_is_refused_with_the_reason():
    with pytest.raises(ValueError, match="--distribution=parameter_server is not supported: .*tf.py_function"):
        TrainingConfig(workdir="w", distribution="parameter_server")
    with pytest.raises(ValueError, match="--distribution must be one of none, mirrored, multi_worker, got 'tpu'"):
        TrainingConfig(workdir="w", distribution="tpu")


def test_a_workdir_resumes_in_another_mode_with_the_same_global_batch():
    previous = TrainingConfig(workdir="w", batch_size=8)
    TrainingConfig(workdir="w", batch_size=8, distribution="multi_worker").check_resumable_from(previous)
    TrainingConfig(workdir="w", batch_size=8, distribution="mirrored").check_resumable_from(previous)
    with pytest.raises(ValueError, match="--batch_size=4 differs from --batch_size=8"):
        TrainingConfig(workdir="w", batch_size=4, distribution="mirrored").check_resumable_from(previous)


def test_the_global_batch_must_split_evenly_over_the_replicas():
    distribution = Replicated("mirrored", types.SimpleNamespace(num_replicas_in_sync=4), is_chief=True, worker="w")
    distribution.check_batch_size(8)
    with pytest.raises(ValueError, match="--batch_size=6 is the global batch, split evenly over the 4 replicas"):
        distribution.check_batch_size(6)


@pytest.mark.parametrize("tf_config, message", [
    (None, "reads its cluster from the TF_CONFIG environment variable, which is not set"),
    ("{cluster", "TF_CONFIG is not JSON"),
    ('{"cluster": {"worker": ["a:1"], "ps": ["b:2"]}, "task": {"type": "worker", "index": 0}}',
     "parameter servers .*tf.py_function"),
    ('{"cluster": {"worker": ["a:1"], "evaluator": ["b:2"]}, "task": {"type": "worker", "index": 0}}',
     r"only chief and worker tasks, got \['evaluator'\]"),
    ('{"cluster": {"worker": ["a"]}, "task": {"type": "worker", "index": 0}}', '"host:port" strings'),
    ('{"cluster": {"worker": ["a:1", "b:1"]}, "task": {"type": "worker", "index": 2}}', "an index into its list"),
])
def test_tf_config_errors_name_tf_config(monkeypatch, tf_config, message):
    if tf_config is None:
        monkeypatch.delenv("TF_CONFIG", raising=False)
    else:
        monkeypatch.setenv("TF_CONFIG", tf_config)
    with pytest.raises(ValueError, match=message):
        multi_worker.cluster_from_environment()


def test_input_pipelines_together_read_each_batch_of_the_single_device_stream():
    batch_size, first_batch = 6, 2
    whole = [int(element["example_index"]) for element in stream_order.positions_of_pipeline(
        10, 3, batch_size, first_batch).take(3 * batch_size)]
    pipelines = [[int(element["example_index"]) for element in stream_order.positions_of_pipeline(
        10, 3, batch_size, first_batch, input_context=tf.distribute.InputContext(3, pipeline, 6)).take(batch_size)]
        for pipeline in range(3)]
    # Per batch, pipeline i reads the i-th third of it, and its replicas take batches of one.
    for batch in range(3):
        assert sum((pipeline[2 * batch:2 * batch + 2] for pipeline in pipelines), []) == whole[6 * batch:6 * batch + 6]
    assert stream_order.replica_batch_size(batch_size, tf.distribute.InputContext(3, 0, 6)) == 1


def test_the_local_cluster_is_a_valid_tf_config_per_worker(monkeypatch):
    configs = multi_worker.local_cluster(2)
    for index, tf_config in enumerate(configs):
        monkeypatch.setenv("TF_CONFIG", tf_config)
        parsed = multi_worker.cluster_from_environment()
        assert parsed["task"] == {"type": "worker", "index": index}
        assert len(set(parsed["cluster"]["worker"])) == 2


def test_one_replica_trains_on_the_loss_itself_and_two_on_half_of_it(monkeypatch):
    loss = tf.constant(3.0)
    assert losses.share_of_global_batch(loss) is loss  # no operation: single-device steps are unchanged
    strategy = tf.distribute.MirroredStrategy(["/cpu:0"])
    assert float(strategy.run(losses.share_of_global_batch, args=(loss,))) == 3.0
    monkeypatch.setattr(tf.distribute, "get_replica_context", lambda: types.SimpleNamespace(num_replicas_in_sync=2))
    assert float(losses.share_of_global_batch(loss)) == 1.5


def test_the_single_device_mode_changes_nothing():
    distribution = make_distribution("none")
    assert (distribution.replicas, distribution.is_chief, distribution.synchronized_batch_norm) == (1, True, False)
    assert distribution.output_directory(pathlib.Path("w")) == pathlib.Path("w")
    network = object()
    assert distribution.copy_into_scope(network, build=None) is network
    batches = distribution.input_batches(lambda context: tf.data.Dataset.range(5).batch(
        context.get_per_replica_batch_size(5)))
    assert [batch.numpy().tolist() for batch in batches] == [[0, 1, 2, 3, 4]]


def run_json(arguments, timeout=900, **kwargs) -> dict:
    result = subprocess.run([sys.executable, str(RUNS), *arguments], capture_output=True, text=True,
                            env=environment(), timeout=timeout, cwd=REPOSITORY, **kwargs)
    assert result.returncode == 0, result.stderr[-4000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.slow  # about 35 s of CPU each (a minute on the loaded 2-core machine): two models traced
@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_a_mirrored_step_on_two_devices_updates_as_one_device_does_on_the_same_global_batch(optimizer):
    """Tolerance: each network's updates agree to 1e-5 of its largest update plus 1e-8, the float32 spacing of
    weights near 0.1, which bounds how exactly an update is stored (measured: 3e-8 of the largest update with SGD,
    1e-9 absolute with Adam; float sums in another order). SGD's updates are the gradients times the learning
    rate, so a replica's loss share that was wrong (e.g. not divided by the replicas) would show as a factor;
    Adam's first update is the one IGGAN makes."""
    outcome = run_json(["first-step", optimizer])
    assert outcome["replicas"] == 2 and outcome["replicas_agree"]
    for network, (difference, largest) in outcome["updates"].items():
        assert largest > 0 and difference <= 1e-5 * largest + 1e-8, (network, difference, largest)
    for name, value in outcome["single_logs"].items():
        assert outcome["mirrored_logs"][name] == pytest.approx(value, rel=1e-5, abs=1e-6), name


@pytest.mark.slow  # 22-33 s each on the loaded 2-core machine: two models traced in a process of its own
@pytest.mark.parametrize("method", ["visual_hull", "dcgan_2d"])
def test_a_mirrored_baseline_step_on_two_devices_updates_as_one_device_does(method):
    """The baselines' DirectGAN behind the same seam (draw_step_randomness, train_step_with): as the IG-GAN test
    above, with SGD, whose updates would show a wrong loss share as a factor."""
    outcome = run_json(["first-step", "sgd", method])
    assert outcome["replicas"] == 2 and outcome["replicas_agree"]
    assert sorted(outcome["updates"]) == ["discriminator", "generator"]
    for network, (difference, largest) in outcome["updates"].items():
        assert largest > 0 and difference <= 1e-5 * largest + 1e-8, (network, difference, largest)
    for name, value in outcome["single_logs"].items():
        assert outcome["mirrored_logs"][name] == pytest.approx(value, rel=1e-5, abs=1e-6), name


def start_workers(config: TrainingConfig, record_dir, temporary_root, count=2) -> list:
    """`count` local multi-worker processes of one run (TF_CONFIG on free 127.0.0.1 ports), each with its own
    TMPDIR under `temporary_root`; stderr goes to <temporary_root>/worker<i>.log."""
    arguments = [sys.executable, str(RUNS), "train", json.dumps(dataclasses.asdict(config)), str(record_dir)]
    workers = []
    for index, tf_config in enumerate(multi_worker.local_cluster(count)):
        temporary = pathlib.Path(temporary_root) / f"worker{index}"
        temporary.mkdir(parents=True, exist_ok=True)
        log = open(pathlib.Path(temporary_root) / f"worker{index}.log", "w")
        workers.append(subprocess.Popen(arguments, stdout=subprocess.PIPE, stderr=log, text=True, cwd=REPOSITORY,
                                        env={**environment(), "TF_CONFIG": tf_config, "TMPDIR": str(temporary)},
                                        start_new_session=True))
        log.close()
    return workers


def finish(workers, timeout) -> list:
    """The return codes of the workers, killing (and failing on) any that is still running after `timeout` s."""
    deadline = time.monotonic() + timeout
    codes = []
    for worker in workers:
        try:
            codes.append(worker.wait(max(1.0, deadline - time.monotonic())))
        except subprocess.TimeoutExpired:
            for other in workers:
                os.killpg(other.pid, signal.SIGKILL)
            pytest.fail(f"a worker did not end within {timeout} s: a hang")
    return codes


def assert_workers_agree(record_dir, steps) -> None:
    """Both workers recorded every step in `steps`, with the same weights."""
    record_dir = pathlib.Path(record_dir)
    for step in steps:
        chief, other = (np.load(record_dir / f"worker{index}_step_{step}.npz") for index in (0, 1))
        assert sorted(chief.files) == sorted(other.files) and chief.files
        differing = [name for name in chief.files if not np.array_equal(chief[name], other[name])]
        assert not differing, (step, differing)


def run_config(workdir, data_dir, **fields) -> TrainingConfig:
    """test_training's tiny run with `fields` changed."""
    return dataclasses.replace(tiny_config(workdir, data_dir), **fields)


def multi_worker_config(workdir, data_dir, **fields) -> TrainingConfig:
    return run_config(workdir, data_dir, distribution="multi_worker", checkpoint_every=1, **fields)


@pytest.mark.slow  # about 1.5 minutes on the loaded 2-core machine: two trainer processes and their render pools
def test_two_workers_step_in_sync_and_only_the_chief_writes_the_workdir(tmp_path, data_dir):
    config = multi_worker_config(tmp_path / "run", data_dir, train_steps=3, export=True)
    workers = start_workers(config, tmp_path / "record", tmp_path / "tmp")
    assert finish(workers, timeout=900) == [0, 0], (tmp_path / "tmp" / "worker1.log").read_text()[-4000:]
    chief, other = (json.loads(worker.stdout.read().strip().splitlines()[-1]) for worker in workers)
    assert chief["step"] == other["step"] == 3
    assert chief["export_dir"] and other["export_dir"] is None
    assert_workers_agree(tmp_path / "record", steps=range(1, 4))
    workdir = pathlib.Path(config.workdir)
    # One writer: one TensorBoard file, one command line, the chief's checkpoints and export.
    assert len(list((workdir / "tensorboard").glob("events.out.tfevents.*"))) == 1
    assert latest_checkpoint_step(workdir) == 3 and len(list((workdir / "export" / "generator").iterdir())) == 1
    assert (workdir / "config.json").exists() and (workdir / "renderer").is_dir()
    # The other worker wrote its checkpoints and export to a temporary directory and removed it.
    assert not list((tmp_path / "tmp" / "worker1").glob("iggan-*"))
    assert "writes its checkpoints, summaries and export to" in (tmp_path / "tmp" / "worker1").with_suffix(".log").read_text()
    # The global batch of 2 is one image per worker; the logged losses are the global batch's means.
    assert {tag for tag, step in logged_scalars(workdir)} >= {"d_loss", "r_l2", "r_dom", "g_loss"}


@pytest.mark.slow  # about 5 minutes on the loaded 2-core machine: a run, a killed worker, a resumed run
def test_a_killed_worker_stops_the_others_with_a_clear_error_and_rerunning_resumes(tmp_path, data_dir):
    config = multi_worker_config(tmp_path / "run", data_dir, train_steps=1000)
    workers = start_workers(config, tmp_path / "record", tmp_path / "first")
    try:
        deadline = time.monotonic() + 600
        while (latest_checkpoint_step(config.workdir) or 0) < 2:
            assert all(worker.poll() is None for worker in workers), "a worker ended before the kill"
            assert time.monotonic() < deadline, "no second checkpoint within 600 s"
            time.sleep(0.2)
    finally:
        os.killpg(workers[1].pid, signal.SIGKILL)  # the second worker and its render pool, mid-run
    killed_at = time.monotonic()
    # TensorFlow's health check gives a peer up within about 30 s + 3 x 10 s; allow twice that on a loaded machine.
    assert finish(workers[:1], timeout=150)[0] != 0
    stopped_after = time.monotonic() - killed_at
    log = (tmp_path / "first" / "worker0.log").read_text()
    assert "WorkerLostError" in log and "rerun all of them with the same command to resume" in log, log[-4000:]
    last = latest_checkpoint_step(config.workdir)
    assert last >= 2 and stopped_after < 150

    resumed = multi_worker_config(tmp_path / "run", data_dir, train_steps=last + 2)
    workers = start_workers(resumed, tmp_path / "record", tmp_path / "second")
    assert finish(workers, timeout=900) == [0, 0], (tmp_path / "second" / "worker0.log").read_text()[-4000:]
    assert f"resumed from {pathlib.Path(config.workdir) / 'checkpoints' / f'ckpt-{last}'} at step {last}" in (
        tmp_path / "second" / "worker0.log").read_text()
    assert latest_checkpoint_step(config.workdir) == last + 2
    assert_workers_agree(tmp_path / "record", steps=range(last + 1, last + 3))


@pytest.mark.slow  # about 4 minutes on the loaded 2-core machine: three runs
def test_a_mirrored_run_resumes_on_one_device_as_if_it_had_run_there(tmp_path, data_dir):
    """Two logical CPUs for 2 steps (with samples and export), then --distribution=none to 3: the losses match an
    uninterrupted single-device run's to float rounding (the modes differ only in the order of sums; measured:
    1e-7 relative, G's weights 1e-9 apart)."""
    mirrored = run_config(tmp_path / "resumed", data_dir, distribution="mirrored", train_steps=2, sample_every=2,
                          export=True)
    outcome = run_json(["train", json.dumps(dataclasses.asdict(mirrored)), str(tmp_path / "record"), "--logical-cpus=2"])
    assert outcome["export_dir"] and list((tmp_path / "resumed" / "samples").glob("step_0000002.png"))
    single = run_config(tmp_path / "resumed", data_dir, train_steps=3)
    run_json(["train", json.dumps(dataclasses.asdict(single)), str(tmp_path / "record")])
    run_json(["train", json.dumps(dataclasses.asdict(run_config(tmp_path / "whole", data_dir, train_steps=3))),
              str(tmp_path / "record")])
    expected, actual = logged_scalars(tmp_path / "whole"), logged_scalars(tmp_path / "resumed")
    losses_logged = [key for key in expected if key[0] in ("d_loss", "r_l2", "r_dom", "g_loss")]
    assert len(losses_logged) == 12
    for key in losses_logged:
        assert actual[key] == pytest.approx(expected[key], rel=1e-5, abs=1e-9), key
    weights = checkpoint_values(tmp_path / "whole", 3), checkpoint_values(tmp_path / "resumed", 3)
    for name, value in weights[0].items():
        if name.startswith("generator/") and value.dtype.kind == "f":
            np.testing.assert_allclose(weights[1][name], value, atol=1e-6, err_msg=name)
