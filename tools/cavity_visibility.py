"""Prints how visible a container's cavity is to each renderer setting: mean |render of the shape - render of
its twin| inside the silhouette, the twin being the shape with its cavity filled or without the floor under it
(iggan_tf.render.cavity_visibility).

    python tools/cavity_visibility.py --renderers=pyrender,pyrender_unlit [--class_name=tub --image_size=64]
    python tools/cavity_visibility.py --renderers=pyrender --twin=floorless
"""

import json

from absl import app, flags

from iggan_tf.render import backends
from iggan_tf.render.cavity_visibility import TWINS, CavityVisibility, cavity_visibility

_DEFAULTS = CavityVisibility()
FLAGS = flags.FLAGS
flags.DEFINE_list("renderers", ["pyrender", "pyrender_unlit"], "Renderers to measure, each with and without "
                  "shadows where it draws them.")
flags.DEFINE_string("class_name", _DEFAULTS.class_name, "Procedural class of open containers (tub, vessel...).")
flags.DEFINE_integer("shapes", _DEFAULTS.shapes, "Shapes of the class (seeds from --seed).")
flags.DEFINE_integer("voxel_size", _DEFAULTS.voxel_size, "Voxel resolution the shapes are drawn from.")
flags.DEFINE_integer("image_size", _DEFAULTS.image_size, "Side of each image in pixels.")
flags.DEFINE_integer("seed", _DEFAULTS.seed, "First shape seed and the view seed.")
flags.DEFINE_enum("twin", _DEFAULTS.twin, TWINS, "What each shape is compared with: itself with its open cavity "
                  "filled, or without the floor under the cavity.")


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {argv[1:]}")
    try:
        settings = CavityVisibility(class_name=FLAGS.class_name, shapes=FLAGS.shapes, voxel_size=FLAGS.voxel_size,
                                    image_size=FLAGS.image_size, seed=FLAGS.seed, twin=FLAGS.twin)
        for name in FLAGS.renderers:
            backends.backend(name)  # names a bad --renderers entry before any rendering
        results = {}
        for name in FLAGS.renderers:
            backend = backends.backend(name)
            for shadows in ((True, False) if backend.draws_shadows else (False,)):
                label = f"{name}{'' if shadows else '_noshadows'}"
                reason = backend.unavailable_reason()
                results[label] = {"unavailable": reason} if reason else cavity_visibility(settings, name, shadows)
    except ValueError as error:
        raise app.UsageError(str(error)) from None
    print(json.dumps({"settings": {"class_name": settings.class_name, "shapes": settings.shapes,
                                   "voxel_size": settings.voxel_size, "image_size": settings.image_size,
                                   "seed": settings.seed, "twin": settings.twin}, "visibility": results}, indent=1))


if __name__ == "__main__":
    app.run(main)
