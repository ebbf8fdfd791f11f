"""The training methods `iggan-train --method` chooses from: IG-GAN and the paper's baselines (Section 4.3).

One module per method (iggan_tf.methods.<name>) defines its TrainingMethod: the keras.Model whose train_step
trains it, its generator, and which images its discriminator sees as real. iggan_tf.methods.registry looks
them up by name. This file imports nothing, so flags are checked before TensorFlow loads.
"""

DEFAULT_METHOD = "iggan"
METHOD_NAMES = ("iggan", "visual_hull", "absorption_only", "dcgan_2d")
# The methods that train a neural renderer; only their runs may set the renderer's flags.
NEURAL_RENDERER_METHODS = ("iggan",)
# The methods whose generator makes images, not shapes: scored on images only.
IMAGE_METHODS = ("dcgan_2d",)
