"""Spectral normalization (Miyato et al. 2018) as D uses it: every call sees W / sigma(W), gradients through sigma.

keras.layers.SpectralNormalization instead overwrites the kernel with W / sigma(W) in training calls only, so
calls with training=False (the renderer's DOM loss, the generator's loss) saw the kernel Adam left behind and
no gradient ever reached sigma. Here the kernel variable holds the unnormalized W and is never assigned.
"""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="iggan_tf")
class SpectralNormalization(keras.layers.Wrapper):
    """Runs `layer` with its kernel W replaced by W / sigma(W) in the forward pass, in every call.

    sigma(W) = u^T W v is the power-iteration estimate of W's largest singular value, W reshaped to a matrix
    [fan in, output channels]. u is a non-trainable variable; a training call advances it by one power
    iteration (paper's Algorithm 1) before estimating sigma, an inference call estimates sigma from u as it
    stands. u and v are constants for the gradient, as in the paper, so dsigma/dW = u v^T.

    The estimate is computed in the kernel's dtype (float32 under mixed precision); the wrapped layer then
    computes in its own dtype. `layer` must have a `kernel` variable (Conv*, Dense).
    """

    def __init__(self, layer, **kwargs):
        # Reads of the kernel inside call() must not be autocast to bfloat16: the wrapped layer casts itself.
        kwargs["autocast"] = False
        super().__init__(layer, **kwargs)

    def build(self, input_shape):
        super().build(input_shape)
        if not isinstance(getattr(self.layer, "kernel", None), keras.Variable):
            raise ValueError(
                f"layer must have a kernel variable to normalize, got {type(self.layer).__name__} without one"
            )
        self.vector_u = self.add_weight(
            shape=(1, self.layer.kernel.shape[-1]),
            initializer=keras.initializers.RandomNormal(),
            trainable=False,
            name="vector_u",
            dtype=self.layer.kernel.dtype,
        )

    def call(self, inputs, training=False):
        kernel = self.layer.kernel
        # The clamp keeps an all-zero kernel at zero instead of 0 / 0.
        normalized_kernel = kernel.value / ops.maximum(self.sigma(training), keras.config.epsilon())
        with keras.StatelessScope(state_mapping=[(kernel, normalized_kernel)]):
            return self.layer(inputs)

    def sigma(self, training=False):
        """The estimate of the kernel's largest singular value; a training call first advances u."""
        weights = ops.reshape(self.layer.kernel.value, (-1, self.layer.kernel.shape[-1]))
        vector_u = _unit(self.vector_u.value)  # the initializer's u is not a unit vector
        vector_v = _unit(ops.matmul(vector_u, ops.transpose(weights)))
        if training:
            vector_u = _unit(ops.matmul(vector_v, weights))
            self.vector_u.assign(vector_u)
        vector_u, vector_v = ops.stop_gradient(vector_u), ops.stop_gradient(vector_v)
        return ops.sum(ops.matmul(vector_v, weights) * vector_u)

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)


def _unit(vector):
    """`vector` / ||vector||, kept finite for a zero vector."""
    return vector / ops.maximum(ops.norm(vector), keras.config.epsilon())
