"""The runs of tests/test_distribution.py that need a process of their own, as `python tests/distributed_runs.py
COMMAND ...`: a CPU split into logical devices must be configured before TensorFlow initializes, and every worker
of a multi-worker run is a process. Each command prints one JSON line on stdout.

    first-step OPTIMIZER [MODEL]  one step of MODEL (iggan, the default, or a baseline: visual_hull, dcgan_2d) on
                                  one device and with MirroredStrategy over two logical CPUs
    train CONFIG_JSON RECORD_DIR [--logical-cpus=N]
                                  loop.train(TrainingConfig(**CONFIG_JSON)), saving every replica's weights after
                                  every step into RECORD_DIR/<task>_step_<n>.npz (TF_CONFIG names the task),
                                  optionally on a CPU split into N logical devices
"""

import contextlib
import json
import os
import pathlib
import sys

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
import iggan_tf  # noqa: E402,F401  its TensorFlow settings apply before TensorFlow loads

# The per-replica batch of the first-step comparison is 2; the global batch 4.
GLOBAL_BATCH = 4


def split_cpu(devices: int) -> None:
    """Splits the CPU into `devices` logical devices; must run before TensorFlow initializes."""
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * devices)


def tiny_gan(synchronized_batch_norm: bool, optimizer: str):
    """test_gan's tiny IGGAN (8^3 voxels, the silhouette renderer behind a py_function) with seed 0; `optimizer` as
    with_optimizer's."""
    import keras

    import test_gan
    from iggan_tf.nets import GeneratorConfig, make_generator

    keras.utils.set_random_seed(0)
    generator, rendernet, discriminator = test_gan.make_networks()
    synchronized = make_generator(GeneratorConfig(voxel_size=test_gan.VOXEL_SIZE, latent_dim=test_gan.LATENT_DIM,
                                                  width=4), synchronized_batch_norm=synchronized_batch_norm)
    synchronized.set_weights(generator.get_weights())
    gan = test_gan.IGGAN(synchronized, rendernet, discriminator, test_gan.silhouette_render,
                         test_gan.UniformViewSampler(test_gan.ViewRange(azimuth=(0.0, 360.0), elevation=(-30.0, 60.0))),
                         seed=0)
    gan.compile()
    return with_optimizer(gan, optimizer)


def tiny_baseline(method: str, synchronized_batch_norm: bool, optimizer: str):
    """test_methods' tiny DirectGAN of a baseline, on the images of test_gan's size, with seed 0."""
    import test_methods

    image_model = {"visual_hull": test_methods.visual_hull_images, "dcgan_2d": None}[method]
    gan = test_methods.make_direct_gan(image_model, synchronized_batch_norm=synchronized_batch_norm)
    return with_optimizer(gan, optimizer)


def with_optimizer(gan, optimizer: str):
    """`gan` with its Adams kept, or with "sgd" replaced by plain gradient descent, whose updates show the
    gradients' scale."""
    import keras

    if optimizer == "sgd":
        for name, network in networks_of(gan).items():
            sgd = keras.optimizers.SGD(0.1)
            sgd.build(network.trainable_variables)
            setattr(gan, f"{name.replace('rendernet', 'renderer')}_optimizer", sgd)
    return gan


def networks_of(gan) -> dict:
    """{name: network} of the networks `gan` trains: G, D and, for IG-GAN, R."""
    return {name: getattr(gan, name) for name in ("generator", "rendernet", "discriminator") if hasattr(gan, name)}


def network_weights(gan) -> dict:
    return {name: [variable.numpy() for variable in network.weights] for name, network in networks_of(gan).items()}


def replica_copies_agree(gan) -> bool:
    """Whether every mirrored variable of the networks holds the same value on every replica."""
    for network in networks_of(gan).values():
        for variable in network.weights:
            copies = [copy.numpy() for copy in variable.value.values]
            if any(not np.array_equal(copies[0], copy) for copy in copies[1:]):
                return False
    return True


def first_step(optimizer: str, model: str = "iggan") -> dict:
    """The first step's updates of a MirroredStrategy run over two logical CPUs and of a single-device run from the
    same weights, seed and global batch: {network: (largest difference of updates, largest update)}, the logged
    metrics of both, and whether the replicas agree. `model`: iggan, or the baseline of that --method."""
    split_cpu(2)
    import tensorflow as tf

    import test_gan
    from iggan_tf.training.distribution import make_distribution

    def tiny_model(synchronized_batch_norm):
        if model == "iggan":
            return tiny_gan(synchronized_batch_norm, optimizer)
        return tiny_baseline(model, synchronized_batch_norm, optimizer)

    images = test_gan.real_images(GLOBAL_BATCH)
    single = tiny_model(synchronized_batch_norm=False)
    before = network_weights(single)
    single_logs = make_distribution("none").step_function(single, GLOBAL_BATCH)(images)
    single_updates = {name: [after - start for after, start in zip(values, before[name])]
                      for name, values in network_weights(single).items()}

    distribution = make_distribution("mirrored")
    with distribution.scope():
        mirrored = tiny_model(synchronized_batch_norm=True)
    for name, network in networks_of(mirrored).items():  # the same start, whatever the layers drew
        network.set_weights(before[name])
    batches = iter(distribution.input_batches(lambda context: tf.data.Dataset.from_tensors(images).unbatch().batch(
        context.get_per_replica_batch_size(GLOBAL_BATCH)).repeat()))
    mirrored_logs = distribution.step_function(mirrored, GLOBAL_BATCH)(next(batches))
    mirrored_updates = {name: [after - start for after, start in zip(values, before[name])]
                        for name, values in network_weights(mirrored).items()}
    return {
        "replicas": distribution.replicas,
        "updates": {name: [max(float(np.max(np.abs(m - s))) for m, s in zip(mirrored_updates[name], updates)),
                           max(float(np.max(np.abs(s))) for s in updates)]
                    for name, updates in single_updates.items()},
        "single_logs": {name: float(value) for name, value in single_logs.items()},
        "mirrored_logs": {name: float(value) for name, value in mirrored_logs.items()},
        "replicas_agree": replica_copies_agree(mirrored),
    }


def train(config_json: str, record_dir: str, logical_cpus: str = "--logical-cpus=1") -> dict:
    """Runs loop.train on the config, recording every replica's network weights after every step."""
    devices = int(logical_cpus.removeprefix("--logical-cpus="))
    if devices > 1:
        split_cpu(devices)
    from absl import logging

    from iggan_tf.training import loop
    from iggan_tf.training.config import TrainingConfig

    logging.set_verbosity(logging.INFO)  # as iggan-train logs

    record = pathlib.Path(record_dir)
    record.mkdir(parents=True, exist_ok=True)
    task = json.loads(os.environ["TF_CONFIG"])["task"] if "TF_CONFIG" in os.environ else {"type": "local", "index": 0}
    finite_state_function = loop.finite_state_function

    def recording_finite_state_function(model):
        all_finite = finite_state_function(model)

        def record_and_check():
            step = int(model.generator_optimizer.iterations.numpy())  # the step just taken, counted from the start
            arrays = {}
            for network in (model.generator, model.rendernet, model.discriminator):
                for index, variable in enumerate(network.weights):
                    for replica, copy in enumerate(variable.value.values if hasattr(variable.value, "values")
                                                   else [variable.value]):
                        arrays[f"{network.name}/{index}/{replica}"] = copy.numpy()
            np.savez(record / f"{task['type']}{task['index']}_step_{step}.npz", **arrays)
            return all_finite()

        return record_and_check

    loop.finite_state_function = recording_finite_state_function
    result = loop.train(TrainingConfig(**json.loads(config_json)))
    return {"step": result["step"], "export_dir": result["export_dir"]}


if __name__ == "__main__":
    with contextlib.redirect_stdout(sys.stderr):  # stdout carries only the JSON line
        output = {"first-step": first_step, "train": train}[sys.argv[1]](*sys.argv[2:])
    print(json.dumps(output))
