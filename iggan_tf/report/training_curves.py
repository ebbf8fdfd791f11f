"""The scalar curves of a run, read from its TensorBoard event files, and how the report groups them into charts.

tensorboard's EventAccumulator reads the files (it drops the steps a resumed run logged again after its last
checkpoint, keeping the resumed values). It loads TensorFlow if installed, so it is imported on first use.
"""

import pathlib

import numpy as np

# Charts that put related curves on one pair of axes, in the report's order; every other scalar gets a chart of
# its own (steps per second, in-training evaluation scores, the unweighted DOM term).
CHART_GROUPS = (
    ("Discriminator and generator losses", ("d_loss", "g_loss")),
    # On OpenGL renders (IG-GAN), on the baselines' generated images.
    ("Discriminator accuracy", ("d_accuracy_real", "d_accuracy_opengl", "d_accuracy_generated")),
    ("Renderer losses (L2 and lambda x DOM)", ("r_l2", "r_dom_weighted")),
)


def read_scalars(tensorboard_dir) -> dict:
    """{tag: (steps int64 [T], values float64 [T])} of every scalar under `tensorboard_dir`, ordered by step;
    {} when the folder does not exist or holds no scalars."""
    directory = pathlib.Path(tensorboard_dir)
    if not directory.is_dir():
        return {}
    from tensorboard.backend.event_processing import event_accumulator
    from tensorboard.util import tensor_util

    # 0: keep every event, not a reservoir sample.
    accumulator = event_accumulator.EventAccumulator(
        str(directory), size_guidance={event_accumulator.SCALARS: 0, event_accumulator.TENSORS: 0})
    accumulator.Reload()
    tags = accumulator.Tags()
    curves = {}
    # tf.summary.scalar (TF 2) writes tensors of the scalars plugin; older writers wrote simple values.
    for tag in tags["tensors"]:
        if accumulator.SummaryMetadata(tag).plugin_data.plugin_name == "scalars":
            events = accumulator.Tensors(tag)
            curves[tag] = ([event.step for event in events],
                           [float(tensor_util.make_ndarray(event.tensor_proto)) for event in events])
    for tag in tags["scalars"]:
        events = accumulator.Scalars(tag)
        curves.setdefault(tag, ([event.step for event in events], [event.value for event in events]))
    result = {}
    for tag, (steps, values) in sorted(curves.items()):
        order = np.argsort(steps, kind="stable")
        result[tag] = (np.asarray(steps, np.int64)[order], np.asarray(values, np.float64)[order])
    return result


def chart_groups(tags) -> list[tuple[str, tuple[str, ...]]]:
    """[(title, tags)]: the CHART_GROUPS with any of `tags`, then one chart per remaining tag."""
    tags = list(tags)
    charts = []
    grouped = set()
    for title, members in CHART_GROUPS:
        present = tuple(tag for tag in members if tag in tags)
        if present:
            charts.append((title, present))
            grouped.update(present)
    charts += [(tag, (tag,)) for tag in tags if tag not in grouped]
    return charts
