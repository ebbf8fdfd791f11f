"""The training hyper-parameters of IG-GAN in one place; defaults are the paper's (Section 4.1)."""

import dataclasses
import math

from iggan_tf.gan import augmentation


DISCRIMINATOR_INPUTS = ("opengl", "rendernet")


@dataclasses.dataclass(frozen=True)
class Hyperparameters:
    """Optimizer settings and loss weights of the three-way update (and of renderer pre-training)."""

    generator_learning_rate: float = 2e-4
    discriminator_learning_rate: float = 2e-4
    renderer_learning_rate: float = 2e-5
    # Not stated in the paper; 0.5 is the usual choice for DCGAN-style GANs (Radford et al. 2016).
    adam_beta_1: float = 0.5
    # lambda of eq. (9): weight of discriminator output matching over the L2 loss, which losses.rendering_l2
    # measures on the paper's 128^2 pixel count at every image size. 0 gives the "no DOM" ablation.
    dom_weight: float = 100.0
    # False keeps a pre-trained renderer fixed ("Fixed" in the paper's Tables 2 and 3) instead of retraining it.
    train_renderer: bool = True
    # What D sees as generated images: "opengl" (IG-GAN) or "rendernet", the neural renders of the continuous
    # voxels (the "RenderNet" column of the paper's Table 2 ablation).
    discriminator_input: str = "opengl"
    # Not stated in the paper: L2-only pre-training has no moving target, so it can learn faster than 2e-5.
    renderer_pretraining_learning_rate: float = 1e-4
    # Not in the paper: decay of an exponential moving average of G's weights, which samples, evaluation and the
    # export use (Yazici et al. 2019; Karras et al. 2018). It smooths the swings of a short GAN run. 0: none.
    generator_ema_decay: float = 0.0
    # Not in the paper: gamma of the R1 penalty on D (losses.r1_penalty, weighed by gamma / 2). 0: none.
    r1_weight: float = 0.0
    # Not in the paper: the transforms of every image D sees (iggan_tf.gan.augmentation), e.g.
    # "translation,cutout"; "": none.
    augment: str = ""

    def __post_init__(self):
        for name in (
            "generator_learning_rate",
            "discriminator_learning_rate",
            "renderer_learning_rate",
            "renderer_pretraining_learning_rate",
        ):
            _check_positive(getattr(self, name), f"Hyperparameters.{name}")
        if not (_is_real(self.adam_beta_1) and 0.0 <= self.adam_beta_1 < 1.0):
            raise ValueError(f"Hyperparameters.adam_beta_1 must lie in [0, 1), got {self.adam_beta_1!r}")
        if not (_is_real(self.generator_ema_decay) and 0.0 <= self.generator_ema_decay < 1.0):
            raise ValueError(
                f"Hyperparameters.generator_ema_decay must lie in [0, 1), got {self.generator_ema_decay!r}"
            )
        if not (_is_real(self.dom_weight) and math.isfinite(self.dom_weight) and self.dom_weight >= 0.0):
            raise ValueError(f"Hyperparameters.dom_weight must be a finite number >= 0, got {self.dom_weight!r}")
        if not (_is_real(self.r1_weight) and math.isfinite(self.r1_weight) and self.r1_weight >= 0.0):
            raise ValueError(f"Hyperparameters.r1_weight must be a finite number >= 0, got {self.r1_weight!r}")
        augmentation.parse_policy(self.augment)
        if not isinstance(self.train_renderer, bool):
            raise ValueError(f"Hyperparameters.train_renderer must be a bool, got {self.train_renderer!r}")
        if self.discriminator_input not in DISCRIMINATOR_INPUTS:
            raise ValueError(
                f"Hyperparameters.discriminator_input must be one of {DISCRIMINATOR_INPUTS}, got {self.discriminator_input!r}"
            )


def _is_real(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_positive(value, name: str) -> None:
    if not (_is_real(value) and math.isfinite(value) and value > 0.0):
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
