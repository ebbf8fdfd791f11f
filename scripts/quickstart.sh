#!/usr/bin/env bash
# The README's main job: sets the machine up if needed, then trains IG-GAN at CPU scale on the embedded
# procedural tubs (building the dataset on first use) and shows where the results are.
# Rerunning resumes the same run; extra arguments go to iggan-train (e.g. --train_steps=2000).
source "$(dirname "$0")/bootstrap.sh"
WORKDIR="${WORKDIR:-runs/quickstart}"
python -m iggan_tf.train --flagfile=flags/quickstart.flags --workdir="$WORKDIR" "$@"
cat <<DONE

Quickstart finished. The report (samples, turntables, a 3D viewer, curves; opens offline):
  $WORKDIR/report/index.html
In $WORKDIR:
  samples/step_*.png          rows: dataset images, OpenGL renders of generated shapes, neural renders
  samples/step_*/sample_*.obj generated shapes as meshes (also .glb)
  export/generator/<version>/ the generator as a TF Serving SavedModel
  tensorboard/                tensorboard --logdir $WORKDIR/tensorboard
DONE
