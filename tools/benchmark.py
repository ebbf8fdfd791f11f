"""Measures how fast the project runs; prints one JSON line with one entry per selected section.

    python tools/benchmark.py --sections=render

Sections: render (renders/s of the worker pool with each renderer in --renderers, those with shadows also
without, for 64^3 binary grids into 128^2 images at batch 64, and of a naive per-image renderer in the same run);
train (seconds per IG-GAN step at the quickstart config with each renderer in --renderers and with a null
renderer, their ratios, peak memory); savedmodel (samples/s of the exported 64^3 generator on
2 cores at batch 1 and 16, and seconds for `iggan-sample` to write 16 shapes with all their pictures); eval (seconds
for `iggan-eval`'s library to score N generated 32^3 shapes against synthetic_shapes/tub_500_64, per stage); dataset
(seconds to build a synthetic_shapes config from nothing into a fresh data dir); memory
(peak RSS of a few `iggan-train` steps on flags/paper_chair_lvp.flags' dataset, chairs LVP 128^2, with CPU-size
networks: the trainer and its render workers; the dataset is prepared first if missing, timed apart); methods
(seconds per train step of every --method at its CPU flagfile of --methods_class, and the hours of such a run);
distributed (steps/s and images/s of `iggan-train` at the quickstart config with --distribution=none and
multi_worker over 1 and 2 local worker processes at the same global batch; on a 2-core machine the workers share
the cores).
Measurements live in iggan_tf.benchmarks.
"""

import json

from absl import app, flags

from iggan_tf.benchmarks import benchmark_shapes, dataset_build, distributed_training, evaluation_throughput
from iggan_tf.benchmarks import method_steps, render_throughput
from iggan_tf.benchmarks import savedmodel_throughput, train_step, training_memory
from iggan_tf.render import backends

FLAGS = flags.FLAGS
flags.DEFINE_list("sections", ["render"],
                  "Sections to run, comma-separated: render, train, savedmodel, eval, dataset, memory, methods, "
                  "distributed.")
flags.DEFINE_integer("voxel_size", 64, "render, savedmodel: side N of the voxel grids.")
flags.DEFINE_integer("image_size", 128, "render: side S of the rendered images.")
flags.DEFINE_integer("batch_size", 64, "render: views per call of the renderer.")
flags.DEFINE_integer("batches", 5, "render: timed batches (after one warm-up batch).")
flags.DEFINE_integer("workers", 0, "render: worker processes; 0 = one per available CPU core.")
flags.DEFINE_integer("naive_images", 4, "render: images drawn by the naive reference (about 1/s); 0 skips it.")
flags.DEFINE_enum("render_shapes", "blobs", benchmark_shapes.SOURCES,
                  "render: generated-like noise blobs, or voxelized procedural shapes.")
flags.DEFINE_integer("seed", 0, "Seed of the benchmark shapes and views.")
flags.DEFINE_list("renderers", list(backends.RENDERER_NAMES),
                  f"render, train: renderers to measure, of {', '.join(backends.RENDERER_NAMES)}; "
                  "one whose environment is missing is reported as skipped.")
flags.DEFINE_string("savedmodel_model", None,
                    "savedmodel: generator SavedModel to measure; default: export the paper's architecture.")
flags.DEFINE_integer("savedmodel_cores", 2, "savedmodel: CPU cores the measurements are pinned to.")
flags.DEFINE_list("savedmodel_batch_sizes", ["1", "16"], "savedmodel: batch sizes whose throughput is measured.")
flags.DEFINE_float("savedmodel_seconds", 10.0, "savedmodel: seconds timed per batch size (after warm-up).")
flags.DEFINE_integer("savedmodel_gallery_samples", 16, "savedmodel: shapes that iggan-sample writes, timed.")
flags.DEFINE_integer("eval_samples", 1000, "eval: generated shapes evaluated.")
flags.DEFINE_integer("eval_chamfer_samples", 100, "eval: shapes per set for Chamfer COV/MMD/1-NNA.")
flags.DEFINE_integer("train_steps", 10, "train, methods: timed steps per renderer or method (after two warm-up "
                     "steps).")
flags.DEFINE_string("dataset_build", "synthetic_shapes/tub_500_128", "dataset: the synthetic_shapes config built.")
flags.DEFINE_string("eval_data_dir", None, "eval: tfds data dir of synthetic_shapes/tub_500_64 (built if missing).")
flags.DEFINE_string("memory_flagfile", str(training_memory.LVP_FLAGS), "memory: iggan-train flagfile of the run.")
flags.DEFINE_string("memory_dataset", None,
                    "memory: dataset instead of the flagfile's (same image size); the run takes its renderer.")
flags.DEFINE_string("memory_data_dir", None, "memory: tfds data dir (the dataset is prepared there if missing).")
flags.DEFINE_integer("memory_steps", 3, "memory: IG-GAN steps of the measured run.")
flags.DEFINE_list("methods", list(method_steps.METHOD_NAMES), "methods: the --method values whose steps are timed.")
flags.DEFINE_enum("methods_class", "tub", ("tub", "couch", "chair"), "methods: the class of the CPU flagfiles.")
flags.DEFINE_string("distributed_data_dir", None, "distributed: tfds data dir (the dataset is prepared there if missing).")
flags.DEFINE_list("distributed_workers", ["1", "2"], "distributed: local worker counts of --distribution=multi_worker.")
flags.DEFINE_integer("distributed_steps", 10, "distributed: timed IG-GAN steps per run (after two warm-up steps).")


def _render_section() -> dict:
    return render_throughput.measure(render_throughput.RenderBenchmark(
        voxel_size=FLAGS.voxel_size, image_size=FLAGS.image_size, batch_size=FLAGS.batch_size,
        batches=FLAGS.batches, workers=FLAGS.workers or None, naive_images=FLAGS.naive_images,
        shapes=FLAGS.render_shapes, seed=FLAGS.seed, renderers=_renderers(),
    ))


def _savedmodel_section() -> dict:
    return savedmodel_throughput.measure(savedmodel_throughput.SavedModelBenchmark(
        model=FLAGS.savedmodel_model, voxel_size=FLAGS.voxel_size, cores=FLAGS.savedmodel_cores,
        batch_sizes=tuple(int(size) for size in FLAGS.savedmodel_batch_sizes), seconds=FLAGS.savedmodel_seconds,
        gallery_samples=FLAGS.savedmodel_gallery_samples, seed=FLAGS.seed,
    ))


def _eval_section() -> dict:
    return evaluation_throughput.measure(evaluation_throughput.EvaluationBenchmark(
        num_samples=FLAGS.eval_samples, data_dir=FLAGS.eval_data_dir, chamfer_samples=FLAGS.eval_chamfer_samples,
        workers=FLAGS.workers or None, seed=FLAGS.seed,
    ))


def _train_section() -> dict:
    return train_step.measure(train_step.TrainStepBenchmark(steps=FLAGS.train_steps, seed=FLAGS.seed,
                                                            renderers=_renderers()))


def _renderers() -> tuple:
    unknown = [name for name in FLAGS.renderers if name not in backends.RENDERER_NAMES]
    if unknown:
        raise app.UsageError(f"unknown renderers {unknown}; known: {', '.join(backends.RENDERER_NAMES)}")
    return tuple(FLAGS.renderers)


def _dataset_section() -> dict:
    return dataset_build.measure(dataset_build.DatasetBuildBenchmark(dataset=FLAGS.dataset_build))


def _memory_section() -> dict:
    return training_memory.measure(training_memory.MemoryBenchmark(
        flagfile=FLAGS.memory_flagfile, data_dir=FLAGS.memory_data_dir, dataset=FLAGS.memory_dataset,
        steps=FLAGS.memory_steps,
    ))


def _methods_section() -> dict:
    unknown = [name for name in FLAGS.methods if name not in method_steps.METHOD_NAMES]
    if unknown:
        raise app.UsageError(f"unknown methods {unknown}; known: {', '.join(method_steps.METHOD_NAMES)}")
    return method_steps.measure(method_steps.MethodStepBenchmark(
        class_name=FLAGS.methods_class, methods=tuple(FLAGS.methods), steps=FLAGS.train_steps, seed=FLAGS.seed))


def _distributed_section() -> dict:
    return distributed_training.measure(distributed_training.DistributedBenchmark(
        data_dir=FLAGS.distributed_data_dir, workers=tuple(int(count) for count in FLAGS.distributed_workers),
        steps=FLAGS.distributed_steps,
    ))


SECTIONS = {"render": _render_section, "train": _train_section, "savedmodel": _savedmodel_section,
            "eval": _eval_section, "dataset": _dataset_section, "memory": _memory_section,
            "methods": _methods_section, "distributed": _distributed_section}


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {argv[1:]}")
    unknown = [name for name in FLAGS.sections if name not in SECTIONS]
    if unknown:
        raise app.UsageError(f"unknown sections {unknown}; known: {', '.join(SECTIONS)}")
    print(json.dumps({name: SECTIONS[name]() for name in FLAGS.sections}))


if __name__ == "__main__":
    app.run(main)
