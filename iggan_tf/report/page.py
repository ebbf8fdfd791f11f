"""The report's HTML: one page with a comparison table when there are several runs, then a section per run (scores
with the real-data floor, generated shapes in an interactive viewer and as turntables, training curves, sample
grids over training, configuration). Text only: html_report writes the files the page links to."""

import dataclasses
import datetime
import html
import json

import iggan_tf
from iggan_tf.evaluation.report import SCORE_LINES, score_table
from iggan_tf.methods import NEURAL_RENDERER_METHODS
from iggan_tf.report import svg_charts
from iggan_tf.report.training_curves import CHART_GROUPS, chart_groups
from iggan_tf.report.workdir_contents import RunContents
from iggan_tf.serving.gallery import CANONICAL_AZIMUTH, CANONICAL_ELEVATION

MODEL_VIEWER_VERSION = "4.4.0"
# Files under the report's assets/ folder the page loads (html_report copies them there).
STYLESHEET = "assets/report.css"
SCRIPT = "assets/report.js"
VIEWER_SCRIPT = "assets/model-viewer/model-viewer-umd.min.js"
# The viewer starts from the turntables' first view: <model-viewer> takes azimuth, then the angle from the zenith.
_CAMERA_ORBIT = f"{CANONICAL_AZIMUTH:g}deg {90 - CANONICAL_ELEVATION:g}deg auto"


def _row_caption(contents: RunContents) -> str:
    """What the rows of the run's sample grids are (iggan_tf.training.snapshots draws them)."""
    if not contents.makes_shapes:
        return "Rows: dataset images, generated images."
    if contents.method in NEURAL_RENDERER_METHODS:
        return "Rows: dataset images, OpenGL renders of generated shapes (threshold 0.5), neural renders of the same."
    return (f"Rows: the dataset's shapes drawn by the {contents.method} image model (D's real images), OpenGL "
            "renders of generated shapes (threshold 0.5), the image model's images of the same (what D judges).")


@dataclasses.dataclass(frozen=True)
class ShapeFiles:
    """One generated shape's files in the report, as paths relative to the page."""

    name: str  # its file name in the workdir, e.g. sample_000.glb
    mesh_key: str  # the key its mesh script stores its GLB under, in window.igganMeshes
    glb: str
    mesh_script: str
    turntable: str | None


@dataclasses.dataclass(frozen=True)
class RunPage:
    """What the page shows of one run: its contents and where html_report put its files."""

    anchor: str  # unique among the runs: the run's folder name in the report and its section id
    contents: RunContents
    grids: list  # [(step, relative path)]
    shapes: list  # [ShapeFiles]


def _escape(value) -> str:
    return html.escape(str(value))


def _table(header: list, rows: list, css_class: str, element_id: str | None = None) -> str:
    """A <table> of already escaped cells."""
    head = "".join(f"<th>{cell}</th>" for cell in header)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    identifier = f' id="{element_id}"' if element_id else ""
    return f'<table class="{css_class}"{identifier}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _run_label(run: RunPage) -> str:
    return f'<a href="#run-{run.anchor}">{_escape(run.anchor)}</a>'


def _scores_section(run: RunPage) -> str:
    record = run.contents.evaluation
    if record is None:
        return ("<h3>Scores</h3><p class=\"missing\">No eval.json in this workdir yet: "
                f"<code>iggan-eval --workdir={_escape(run.contents.workdir)} --reference=real</code> scores the exported "
                "generator against the held-out data, with the real-data floor.</p>")
    columns, lines = score_table(record)
    table = _table(["score", *map(_escape, columns)], [[_escape(label), *map(_escape, cells)] for label, cells in lines],
                   "scores", f"scores-{run.anchor}")
    renderer = record.get("renderer", {})
    held_out = record.get("held_out", {})
    notes = "".join(f"<li>{_escape(note)}</li>" for note in record.get("notes", []))
    return (
        "<h3>Scores</h3>"
        f"<p>iggan-eval of <code>{_escape(record.get('model'))}</code> (step {_escape(record.get('step'))}) on "
        f"<code>{_escape(record.get('dataset'))}</code>: {_escape(held_out.get('images'))} held-out renders of "
        f"{_escape(held_out.get('shapes'))} shapes, drawn by {_escape(renderer.get('name'))}"
        f"{' with shadows' if renderer.get('shadows') else ''}. <em>real (floor)</em> scores the dataset's own "
        "training shapes the same way: what a perfect generator would reach. (N=a vs b): a candidates against b "
        f"held-out ones.</p>{table}<ul class=\"notes\">{notes}</ul>"
    )


def _shapes_section(run: RunPage) -> str:
    if not run.contents.makes_shapes:
        return (f"<h3>Generated shapes</h3><p class=\"missing\">--method={_escape(run.contents.method)} generates "
                "images, not shapes: it has no meshes or turntables (its images are in the sample grids).</p>")
    if not run.shapes:
        return "<h3>Generated shapes</h3><p class=\"missing\">No meshes in samples/ yet (written every --sample_every steps).</p>"
    figures = []
    for shape in run.shapes:
        turntable = (f'<img class="turntable" src="{_escape(shape.turntable)}" alt="turntable of {_escape(shape.name)}">'
                     if shape.turntable else "")
        figures.append(
            '<figure class="shape">'
            f'<model-viewer data-mesh="{_escape(shape.mesh_key)}" camera-controls loading="eager" interaction-prompt="none" '
            f'camera-orbit="{_CAMERA_ORBIT}" shadow-intensity="0.8" exposure="0.9" '
            f'alt="generated shape {_escape(shape.name)}"></model-viewer>{turntable}'
            f'<figcaption>{_escape(shape.name)} · <a href="{_escape(shape.glb)}" download>GLB</a></figcaption>'
            "</figure>"
        )
    return (f"<h3>Generated shapes at step {run.contents.mesh_step}</h3>"
            f"<p>Meshes of the run's fixed samples (marching cubes at 0.5), {len(run.shapes)} shown: drag to turn, "
            "scroll to zoom; below each, a turntable drawn by the OpenGL renderer.</p>"
            f'<div class="shapes">{"".join(figures)}</div>')


def _curves_section(run: RunPage) -> str:
    curves = run.contents.curves
    if not curves:
        return "<h3>Training curves</h3><p class=\"missing\">No scalars in tensorboard/ yet.</p>"
    charts = [svg_charts.line_chart(title, {tag: curves[tag] for tag in tags})
              for title, tags in chart_groups(curves)]
    return f'<h3>Training curves</h3><div class="charts">{"".join(charts)}</div>'


def _grids_section(run: RunPage) -> str:
    if not run.grids:
        return "<h3>Samples over training</h3><p class=\"missing\">No sample grids in samples/ yet.</p>"
    figures = "".join(f'<figure class="grid"><img src="{_escape(path)}" alt="samples at step {step}">'
                      f"<figcaption>step {step}</figcaption></figure>" for step, path in run.grids)
    count = run.contents.grid_count
    selection = f"{len(run.grids)} of {count} grids, evenly spread" if count > len(run.grids) else f"{count} grid{'s' if count > 1 else ''}"
    return f"<h3>Samples over training</h3><p>{_row_caption(run.contents)} {selection}.</p><div class=\"grids\">{figures}</div>"


def _configuration_section(run: RunPage) -> str:
    contents = run.contents
    commands = "\n".join(contents.commands) or "(no command.txt)"
    config_rows = [[_escape(name), f"<code>{_escape(json.dumps(value))}</code>"]
                   for name, value in sorted(contents.config.items())]
    flags = (f"<details><summary>flags.txt</summary><pre>{_escape(contents.flags_text)}</pre></details>"
             if contents.flags_text else "")
    return ("<h3>Configuration</h3><p>command.txt (the first line started the run, later ones resumed it):</p>"
            f"<pre class=\"command\">{_escape(commands)}</pre>"
            f"<details><summary>config.json</summary>{_table(['field', 'value'], config_rows, 'config')}</details>"
            f"{flags}")


def _summary(run: RunPage) -> str:
    contents = run.contents
    config = contents.config
    exports = ", ".join(contents.export_versions) or "none yet"
    sizes = None
    if "voxel_size" in config:
        images = f"images {2 * config['voxel_size']}^2"
        sizes = f"{config['voxel_size']}^3, {images}" if contents.makes_shapes else f"none (image generator), {images}"
    items = [
        ("method", contents.method),
        ("dataset", config.get("dataset")),
        ("renderer", f"{config.get('renderer')}{' with shadows' if config.get('shadows') else ''}"),
        ("voxels", sizes),
        ("steps", f"{contents.last_step if contents.last_step is not None else 0} of {config.get('train_steps')}"),
        ("exported generator versions", exports),
    ]
    return "<dl class=\"summary\">" + "".join(f"<dt>{name}</dt><dd>{_escape(value)}</dd>" for name, value in items) + "</dl>"


def _run_section(run: RunPage) -> str:
    return (f'<section class="run" id="run-{run.anchor}"><h2>{_escape(run.anchor)}</h2>'
            f'<p class="path">{_escape(run.contents.workdir.resolve())}</p>{_summary(run)}'
            f"{_scores_section(run)}{_shapes_section(run)}{_curves_section(run)}{_grids_section(run)}"
            f"{_configuration_section(run)}</section>")


def _last_value(contents: RunContents, tag: str) -> str:
    steps, values = contents.curves.get(tag, ((), ()))
    return f"{values[-1]:.4g}" if len(values) else "–"


def _score_value(record: dict | None, row: str, key: str, field: str) -> float | None:
    if record is None or row not in record["rows"] or key not in record["rows"][row]["scores"]:
        return None
    return record["rows"][row]["scores"][key][field]


def _score_cell(record: dict | None, key: str, field: str) -> str:
    value = _score_value(record, "generated", key, field)
    floor = _score_value(record, "real", key, field)
    text = "–" if value is None else f"{value:.4g}"
    return text + (f' <span class="floor">({floor:.4g})</span>' if floor is not None else "")


def _comparison_section(runs: list) -> str:
    """One column per run (as in eval.md), one line per config field that differs between the runs, per last
    logged loss, and per eval.json score of the generated shapes with the real-data floor beside it."""
    configs = [run.contents.config for run in runs]
    differing = sorted(name for name in set().union(*configs) - {"workdir", "dataset"}
                       if len({json.dumps(config.get(name)) for config in configs}) > 1)
    loss_tags = [tag for _, tags in CHART_GROUPS for tag in tags
                 if any(tag in run.contents.curves for run in runs)]
    score_lines = [(key, field, label) for key, field, label in SCORE_LINES
                   if any(_score_value(run.contents.evaluation, "generated", key, field) is not None for run in runs)]
    lines = [["dataset", *(_escape(run.contents.config.get("dataset")) for run in runs)],
             ["steps", *(_escape(run.contents.last_step) for run in runs)]]
    lines += [[f"<code>--{_escape(name)}</code>",
               *(f"<code>{_escape(json.dumps(run.contents.config[name]))}</code>" if name in run.contents.config
                 else "– (older run)" for run in runs)]
              for name in differing]
    lines += [[f"last {tag}", *(_last_value(run.contents, tag) for run in runs)] for tag in loss_tags]
    lines += [[_escape(label) + " (floor)", *(_score_cell(run.contents.evaluation, key, field) for run in runs)]
              for key, field, label in score_lines]
    table = _table(["", *(_run_label(run) for run in runs)], lines, "comparison", "comparison-table")
    return ("<section id=\"comparison\"><h2>Comparison</h2><p>One column per run: the flags that differ "
            "between the runs, the last logged losses, and each eval.json score of the generated shapes with the "
            f"real-data floor in parentheses.</p><div class=\"wide\">{table}</div></section>")


def render_page(runs: list) -> str:
    """The whole index.html of `runs` ([RunPage]). The viewers' mesh scripts load before the page's own script,
    which hands each viewer its mesh."""
    generated = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    title = "IG-GAN report: " + ", ".join(run.anchor for run in runs)
    navigation = " · ".join(_run_label(run) for run in runs)
    comparison = _comparison_section(runs) if len(runs) > 1 else ""
    scripts = "".join(f'<script src="{_escape(shape.mesh_script)}"></script>' for run in runs for shape in run.shapes)
    return (
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{_escape(title)}</title><link rel=\"stylesheet\" href=\"{STYLESHEET}\">"
        f"<script src=\"{VIEWER_SCRIPT}\"></script></head><body>"
        f"<header><h1>{_escape(title)}</h1><p>Written {generated} by iggan-report (iggan_tf {iggan_tf.__version__}); "
        f"viewer: &lt;model-viewer&gt; {MODEL_VIEWER_VERSION} (Apache-2.0, licences in assets/model-viewer/). "
        f"Runs: {navigation}</p></header>"
        f"<main>{comparison}{''.join(_run_section(run) for run in runs)}</main>"
        f"{scripts}<script src=\"{SCRIPT}\"></script></body></html>\n"
    )
