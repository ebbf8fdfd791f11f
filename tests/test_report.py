"""iggan-report: the static HTML report of training workdirs, built from small fake workdirs (real meshes, PNGs, an
event file written by tf.summary, an eval.json of real score records) and opened in headless Chromium."""

import io
import json
import os
import pathlib
import shutil
import subprocess
import sys

import numpy as np
import pytest
import trimesh
from PIL import Image

from iggan_tf.evaluation.report import score_table
from iggan_tf.metrics.frechet_distance import frechet_distance
from iggan_tf.metrics.kernel_distance import kernel_distance
from iggan_tf.pictures import image_grid, save_png
from iggan_tf.report import svg_charts
from iggan_tf.report.html_report import CLAY_COLOUR, ReportOptions, write_report
from iggan_tf.report.workdir_contents import evenly_spread, read_workdir
from iggan_tf.serving.mesh_files import meshes_from_voxels, write_meshes
from iggan_tf.training.config import TrainingConfig

REPOSITORY = pathlib.Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
GRID = 16
STEPS = (10, 20, 30)
SHAPES = 3  # meshes written per sampled step; the report is asked for fewer


def shape_voxels(count: int) -> np.ndarray:
    """Asymmetric blocks (a base and a back of varying height), like chairs seen from the side."""
    voxels = np.zeros((count, GRID, GRID, GRID), bool)
    for index in range(count):
        voxels[index, 3:13, 3:7, 3:13] = True
        voxels[index, 3:13, 7:10 + index, 3:6] = True
    return voxels


def evaluation_record(workdir: pathlib.Path, seed: int) -> dict:
    """An eval.json as iggan-eval writes it (the fields the report reads), with real score records."""
    rng = np.random.default_rng(seed)
    held_out = rng.normal(size=(40, 4))

    def row(shift: float) -> dict:
        features = rng.normal(loc=shift, size=(40, 4))
        return {"num_shapes": 40, "scores": {
            "fid": frechet_distance(held_out, features).to_dict(),
            "kid": kernel_distance(held_out, features, subset_size=20, num_subsets=10, seed=seed).to_dict()}}

    return {
        "dataset": "synthetic_shapes/tub_500_64", "class_name": "tub", "model": str(workdir / "export/generator/1"),
        "step": STEPS[-1], "workdir": str(workdir), "feature_network_sha256": "0" * 64, "binarization_threshold": 0.5,
        "renderer": {"name": "pyrender", "shadows": True}, "view_range": {"azimuth": [0, 360], "elevation": [15, 60]},
        "held_out": {"split": "test", "images": 40, "shapes": 20, "ground_truth": True},
        "notes": ["real: the dataset's training shapes in place of generated ones"],
        "rows": {"generated": row(1.5), "real": row(0.0)},
    }


def make_workdir(path: pathlib.Path, seed: int, meshes: bool = True, extra_scalars: tuple = (),
                 **config) -> pathlib.Path:
    """A workdir as a short run leaves it, plus checkpoint and export files the report must never copy; `meshes`
    False: as an image generator's run leaves it (grids only)."""
    import tensorflow as tf

    path.mkdir(parents=True)
    (path / "config.json").write_text(TrainingConfig(workdir=str(path), **config).to_json())
    (path / "flags.txt").write_text("--train_steps=30\n")
    (path / "command.txt").write_text(f"iggan-train --workdir={path}\niggan-train --workdir={path} --train_steps=30\n")
    rng = np.random.default_rng(seed)
    for step in STEPS:
        save_png(image_grid(rng.uniform(size=(6, 16, 16, 1)), columns=3), path / "samples" / f"step_{step:07d}.png")
    if meshes:
        write_meshes(meshes_from_voxels(shape_voxels(SHAPES)), path / "samples" / f"step_{STEPS[-1]:07d}",
                     ("obj", "glb"))
    with tf.summary.create_file_writer(str(path / "tensorboard")).as_default():
        for step in range(1, STEPS[-1] + 1):
            for name, value in (("d_loss", 1.4 - step / 60), ("g_loss", 0.7 + step / 60), ("d_accuracy_real", 0.5),
                                ("r_l2", 2.0 / step), ("steps_per_second", 3.0), *extra_scalars):
                tf.summary.scalar(name, value, step=step)
        tf.summary.scalar("eval/fid", 80.0, step=STEPS[-1])
        tf.summary.image("real_opengl_neural", np.zeros((1, 8, 8, 1), np.float32), step=STEPS[-1])
    (path / "checkpoints").mkdir()
    (path / "checkpoints" / "ckpt-30.data-00000-of-00001").write_bytes(b"weights")
    (path / "export" / "generator" / "1").mkdir(parents=True)
    (path / "export" / "generator" / "1" / "saved_model.pb").write_bytes(b"graph")
    (path / "eval").mkdir()
    (path / "eval" / "eval.json").write_text(json.dumps(evaluation_record(path, seed)))
    return path


@pytest.fixture(scope="module")
def workdirs(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    return [make_workdir(root / "tubs_s0", 0), make_workdir(root / "other" / "tubs_s1", 1, dom_weight=0.0)]


@pytest.fixture(scope="module")
def report(workdirs, tmp_path_factory):
    """The report of both runs, its turntables drawn by the real worker pool."""
    options = ReportOptions(max_meshes=2, max_grids=2, turntable_frames=4, image_size=32, render_workers=1)
    return write_report(workdirs, tmp_path_factory.mktemp("report"), options)


def test_the_report_holds_a_bounded_selection_and_never_checkpoints(report, workdirs):
    out = report.parent
    files = {path.relative_to(out).as_posix() for path in out.rglob("*") if path.is_file()}
    for run in ("tubs_s0", "tubs_s1"):
        assert {f"runs/{run}/samples/step_{step:07d}.png" for step in (10, 30)} <= files  # first and last of 3
        assert f"runs/{run}/samples/step_0000020.png" not in files
        assert sorted(name for name in files if name.startswith(f"runs/{run}/meshes/")) == [
            f"runs/{run}/meshes/sample_{index:03d}.{suffix}" for index in range(2) for suffix in ("glb", "glb.js")]
    assert not [name for name in files if "ckpt" in name or "saved_model" in name or name.endswith(".tmp")]
    assert {"assets/model-viewer/model-viewer-umd.min.js", "assets/model-viewer/LICENSE"} <= files
    # The viewer's GLB is the workdir's mesh, given a colour.
    shown = trimesh.load(out / "runs" / "tubs_s0" / "meshes" / "sample_000.glb", force="mesh")
    original = trimesh.load(workdirs[0] / "samples" / f"step_{STEPS[-1]:07d}" / "sample_000.glb", force="mesh")
    np.testing.assert_array_equal(shown.vertices, original.vertices)
    assert tuple(shown.visual.material.baseColorFactor) == CLAY_COLOUR


def test_turntables_turn_the_shape_through_distinct_views(report):
    with Image.open(report.parent / "runs" / "tubs_s0" / "turntables" / "sample_000.gif") as gif:
        frames = []
        for index in range(gif.n_frames):
            gif.seek(index)
            frames.append(np.asarray(gif.convert("L"), np.float32))
    assert len(frames) == 4 and frames[0].shape == (32, 32)
    assert all(frame.max() > 50 for frame in frames)  # the shape is lit in every frame
    assert np.abs(frames[0] - frames[1]).mean() > 1.0  # an asymmetric shape looks different a quarter turn on


def test_reading_a_workdir_names_what_is_wrong(tmp_path, workdirs):
    with pytest.raises(ValueError, match=f"'{tmp_path}' is not a training workdir: it has no config.json"):
        read_workdir(tmp_path, 2, 2)
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(ValueError, match="config.json cannot be read as JSON"):
        read_workdir(tmp_path, 2, 2)
    contents = read_workdir(workdirs[0], max_grids=1, max_meshes=0)
    assert [step for step, _ in contents.grids] == [STEPS[-1]] and contents.meshes == []
    assert contents.last_step == STEPS[-1] and contents.export_versions == ["1"]
    assert "real_opengl_neural" not in contents.curves  # images are not curves
    np.testing.assert_allclose(contents.curves["d_loss"][1][:2], [1.4 - 1 / 60, 1.4 - 2 / 60], rtol=1e-6)
    with pytest.raises(ValueError, match="max_meshes must be an integer >= 0"):
        ReportOptions(max_meshes=-1)
    with pytest.raises(ValueError, match="workdirs is empty"):
        write_report([], tmp_path / "out")


def test_a_run_that_has_written_nothing_yet_gets_a_page_that_says_what_is_missing(tmp_path):
    workdir = tmp_path / "fresh"
    workdir.mkdir()
    (workdir / "config.json").write_text(TrainingConfig(workdir=str(workdir)).to_json())
    text = write_report([workdir], tmp_path / "out").read_text()  # no meshes: no render pool is started
    for missing in ("No eval.json", "No meshes in samples/", "No scalars in tensorboard/", "No sample grids"):
        assert missing in text
    assert "<model-viewer" not in text and "0 of 2000" in text


def test_a_baseline_run_gets_a_page_of_what_its_method_has(tmp_path):
    """Baseline workdirs have no renderer/, and dcgan_2d's none of samples/step_*/ (it makes images): the page
    shows what each has and says what its method does not make."""
    image_run = make_workdir(tmp_path / "dcgan", 0, meshes=False, extra_scalars=(("d_accuracy_generated", 0.6),),
                             method="dcgan_2d")
    hull_run = make_workdir(tmp_path / "hull", 1, extra_scalars=(("d_accuracy_generated", 0.6),), method="visual_hull")
    index = write_report([image_run, hull_run], tmp_path / "out", ReportOptions(max_meshes=1, turntable_frames=0))
    text = index.read_text()
    sections = {anchor: text.split(f'<section class="run" id="run-{anchor}">')[1].split("</section>")[0]
                for anchor in ("dcgan", "hull")}
    assert "--method=dcgan_2d generates images, not shapes" in sections["dcgan"]
    assert "<model-viewer" not in sections["dcgan"] and "none (image generator), images 64^2" in sections["dcgan"]
    assert "Rows: dataset images, generated images." in sections["dcgan"]
    assert sections["hull"].count("<model-viewer") == 1 and "32^3, images 64^2" in sections["hull"]
    assert "drawn by the visual_hull image model" in sections["hull"]
    for section in sections.values():  # three grids, the curves with D's accuracy on the generated images, scores
        assert section.count('<figure class="grid">') == len(STEPS) and "d_accuracy_generated" in section
        assert 'id="scores-' in section
    comparison = text.split('id="comparison-table"')[1].split("</table>")[0]
    assert "--method" in comparison and "dcgan_2d" in comparison and "visual_hull" in comparison


def test_evenly_spread_keeps_the_first_and_the_last():
    assert evenly_spread(list(range(10)), 4) == [0, 3, 6, 9]
    assert evenly_spread(list(range(3)), 5) == [0, 1, 2]
    assert evenly_spread(list(range(3)), 1) == [2] and evenly_spread([1, 2], 0) == []


def test_a_line_chart_maps_values_into_its_plot_area_and_skips_non_finite_ones():
    steps = np.arange(1, 2001)
    values = np.where(steps == 7, np.nan, np.sin(steps / 100.0))
    svg = svg_charts.line_chart("d_loss", {"d_loss": (steps, values), "g_loss": (steps[:3], np.ones(3))})
    assert svg.startswith("<svg") and svg.count("<polyline") == 2 and "nan" not in svg
    assert f'data-points="{svg_charts.MAX_POINTS}"' in svg and 'data-points="3"' in svg
    assert list(svg_charts.nice_ticks(0.03, 0.97)) == pytest.approx([0.2, 0.4, 0.6, 0.8])
    with pytest.raises(ValueError, match="'empty' has no finite values"):
        svg_charts.line_chart("empty", {"x": (np.arange(2), np.full(2, np.inf))})


def test_the_binary_reports_a_bad_workdir_by_name(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "iggan_tf.report.main", f"--workdir={tmp_path}", f"--out={tmp_path / 'out'}"],
        capture_output=True, text=True, cwd=REPOSITORY, timeout=120,
    )
    assert result.returncode != 0
    assert f"'{tmp_path}' is not a training workdir" in result.stderr


# Chromium flags: WebGL through SwiftShader (software), nothing that reaches the network.
CHROMIUM_ARGS = ["--use-gl=angle", "--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--no-sandbox",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]


def open_in_chromium(index: pathlib.Path, screenshot: pathlib.Path | None = None) -> dict:
    """Opens the report in headless Chromium until every viewer has loaded its mesh; returns what it saw:
    console errors, failed requests, loaded URLs, each viewer's screenshot (uint8 [H, W, 3]), the score tables."""
    playwright = pytest.importorskip("playwright.sync_api", reason="the playwright package drives Chromium")
    seen = {"errors": [], "failed": [], "loaded": set()}
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch_persistent_context(
            user_data_dir=str(index.parent.parent / "chromium-profile"), executable_path=CHROMIUM, headless=True,
            args=CHROMIUM_ARGS, viewport={"width": 1280, "height": 900})
        try:
            tab = browser.new_page()
            tab.on("console", lambda message: message.type == "error" and seen["errors"].append(message.text))
            tab.on("pageerror", lambda error: seen["errors"].append(str(error)))
            tab.on("requestfailed", lambda request: seen["failed"].append((request.url, request.failure)))
            tab.on("requestfinished", lambda request: seen["loaded"].add(request.url))
            tab.goto(index.as_uri(), wait_until="load")
            tab.wait_for_function("[...document.querySelectorAll('model-viewer')].every(v => v.dataset.loaded)",
                                  timeout=60_000)
            tab.wait_for_timeout(500)  # a few frames after the material change
            seen["images"] = tab.eval_on_selector_all("img", "images => images.map(i => [i.src, i.naturalWidth])")
            seen["scripts"] = tab.eval_on_selector_all("script[src]", "scripts => scripts.map(s => s.src)")
            seen["viewers"] = [np.asarray(Image.open(io.BytesIO(viewer.screenshot())).convert("RGB"))
                               for viewer in tab.query_selector_all("model-viewer")]
            seen["tables"] = {table.get_attribute("id"): table.inner_text()
                              for table in tab.query_selector_all("table.scores, table.comparison")}
            if screenshot is not None:
                tab.screenshot(path=str(screenshot), full_page=False)
        finally:
            browser.close()
    return seen


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Debian: apt-get install chromium; "
                                             "scripts/bootstrap.sh installs it)")
def test_the_report_works_offline_in_chromium(report, workdirs):
    seen = open_in_chromium(report)
    assert seen["errors"] == [] and seen["failed"] == []
    assert all(width > 0 for _, width in seen["images"]) and len(seen["images"]) == 2 * (2 + 2)  # grids, turntables
    assert set(seen["scripts"]) <= seen["loaded"] and any("model-viewer-umd" in url for url in seen["scripts"])
    assert len(seen["viewers"]) == 4
    for pixels in seen["viewers"]:
        background = np.median(pixels.reshape(-1, 3), axis=0)
        differs = np.abs(pixels.astype(np.int16) - background).max(axis=-1) > 40
        assert 0.05 < differs.mean() < 0.9, "the viewer's canvas shows no shape"
        assert pixels.std() > 10
    for workdir, anchor in zip(workdirs, ("tubs_s0", "tubs_s1")):
        record = json.loads((workdir / "eval" / "eval.json").read_text())
        text = seen["tables"][f"scores-{anchor}"]
        _, lines = score_table(record)
        for label, cells in lines:
            assert label in text and all(cell in text for cell in cells)
        assert f"{record['rows']['generated']['scores']['fid']['value']:.4g}" in text
        assert f"{record['rows']['real']['scores']['fid']['value']:.4g}" in seen["tables"]["comparison-table"]
    assert "dom_weight" in seen["tables"]["comparison-table"]  # the field the runs differ in
