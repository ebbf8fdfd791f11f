"""chanterelle: photos of chanterelle mushrooms (Henzler et al. 2019) as square images on black, prepared as
in the paper (Section 4.2) by `iggan_tf.datasets.photos`."""

import tensorflow_datasets as tfds
from absl import logging

from iggan_tf.datasets import photos, splits
from iggan_tf.datasets.settings import HELD_OUT_FRACTION
from iggan_tf.datasets.skipped_inputs import SkippedInputs


class ChanterelleConfig(tfds.core.BuilderConfig):
    """Images of side `image_size` (the paper trains at 128, CPU-scale runs at 64)."""

    def __init__(self, *, image_size: int, **kwargs):
        super().__init__(
            name=str(image_size),
            description=f"{image_size}x{image_size} RGB images.",
            version=tfds.core.Version("1.0.0"),
            release_notes={"1.0.0": "Initial release."},
            **kwargs,
        )
        self.image_size = image_size


class Builder(tfds.core.GeneratorBasedBuilder):
    """Chanterelle photos: composited on black, cropped around the mushroom, resized, mean intensity unified."""

    BUILDER_CONFIGS = [ChanterelleConfig(image_size=128), ChanterelleConfig(image_size=64)]
    MANUAL_DOWNLOAD_INSTRUCTIONS = """\
    Download the Chanterelle photos of Henzler et al. 2019 ("Escaping Plato's Cave", data linked from
    https://github.com/henzler/platonicgan): PNG images with the background already cut out (palette or RGBA
    with transparency). Put the PNG files into `manual_dir` (default `<data_dir>/downloads/manual/`); files in
    sub-folders are found too, files not ending in .png are ignored. Unreadable files are skipped and logged.
    """

    def _info(self) -> tfds.core.DatasetInfo:
        size = self.builder_config.image_size
        return self.dataset_info_from_configs(
            features=tfds.features.FeaturesDict(
                {
                    "image": tfds.features.Image(shape=(size, size, 3), encoding_format="png"),
                    "image/filename": tfds.features.Text(),
                }
            ),
            homepage="https://github.com/henzler/platonicgan",
            # The set's mean object intensity, to which every photo is shifted, is filled in by the build.
            metadata=tfds.core.MetadataDict(),
        )

    def _split_generators(self, dl_manager: tfds.download.DownloadManager):
        manual_dir = dl_manager.manual_dir
        paths = sorted(
            folder / name for folder, _, names in manual_dir.walk() for name in names if name.lower().endswith(".png")
        )
        if not paths:
            raise AssertionError(
                f"No PNG files found in the manual dir {manual_dir}.\n{self.MANUAL_DOWNLOAD_INSTRUCTIONS}"
            )
        skipped = SkippedInputs("photo")
        prepared = {}
        for path in paths:
            # Relative names keep example keys free of the user's directories and stable across machines.
            name = path.relative_to(manual_dir).as_posix()
            try:
                rgba = photos.decode_rgba(path.read_bytes())
                prepared[name] = photos.square_photo(rgba, self.builder_config.image_size)
            except ValueError as error:
                skipped.skip(name, str(error))
        skipped.log_summary(used=len(prepared))
        if not prepared:
            raise ValueError(f"none of the {len(paths)} PNG files in {manual_dir} is a usable photo (see the log)")
        offsets, mean_intensity = photos.intensity_offsets([photo.mean_intensity() for photo in prepared.values()])
        self.info.metadata["mean_intensity"] = mean_intensity
        self.info.metadata["skipped_inputs"] = skipped.total
        images = {split: {} for split in (splits.TRAIN, splits.TEST)}
        for (name, photo), offset in zip(prepared.items(), offsets):
            # The file name alone decides, so moving photos between folders keeps the splits.
            split = splits.split_of(name.rsplit("/", 1)[-1], HELD_OUT_FRACTION)
            images[split][name] = photo.with_intensity_offset(offset)
        for split, split_images in images.items():
            if not split_images:
                logging.warning("chanterelle: the %s split is empty with only %d usable photos", split, len(prepared))
        return {split: self._generate_examples(split_images) for split, split_images in images.items() if split_images}

    def _generate_examples(self, images):
        for name, image in images.items():
            yield name, {"image": image, "image/filename": name}
