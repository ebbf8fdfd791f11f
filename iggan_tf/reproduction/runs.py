"""A run's state on disk and the commands that bring it forward: train it (iggan-train, which resumes a partial
workdir from its last checkpoint) and evaluate its export (iggan-eval, identical settings for every run).

Runs are subprocesses of this interpreter (`python -m iggan_tf.train`, the code behind the `iggan-train` console
script), one at a time: the CPU is the bottleneck. Each one's output goes to `<runs_dir>/<name>.log`.
"""

import dataclasses
import json
import pathlib
import re
import shlex
import subprocess
import sys

from iggan_tf.reproduction.cells import REPOSITORY, Run

# Every run is scored alike (iggan-eval's defaults: 1000 samples binarized at 0.5, rendered once each by the run's
# renderer, the shipped feature network, the whole held-out split); only the floor row is added.
EVAL_FLAGS = ("--reference=real",)
MISSING, PARTIAL, TRAINED, EVALUATED = "missing", "partial", "trained", "evaluated"
_BINARIES = {"iggan-train": "iggan_tf.train", "iggan-eval": "iggan_tf.evaluation.main"}


@dataclasses.dataclass(frozen=True)
class RunState:
    """Where a run stands: `status` (missing, partial, trained or evaluated), its last checkpoint step, the
    steps it trains for, and its commands. `workdir` is as the commands name it: relative to the repository
    root (where they run) when it lies inside it."""

    run: Run
    workdir: pathlib.Path
    status: str
    step: int
    train_steps: int

    @property
    def location(self) -> pathlib.Path:
        """The workdir as this process reaches it."""
        return REPOSITORY / self.workdir

    @property
    def train_command(self) -> list:
        return ["iggan-train", *self.run.train_flags(self.workdir)]

    @property
    def eval_command(self) -> list:
        return ["iggan-eval", f"--workdir={self.workdir}", *EVAL_FLAGS]

    @property
    def eval_json(self) -> pathlib.Path:
        return self.location / "eval" / "eval.json"


def run_state(run: Run, runs_dir) -> RunState:
    """The state of `run` in `<runs_dir>/<run.name>` (`runs_dir` relative to the repository root, or absolute):
    trained once its last checkpoint reaches train_steps and its generator is exported, evaluated once
    eval/eval.json scores the export of that step."""
    workdir = pathlib.Path(runs_dir) / run.name
    location = REPOSITORY / workdir
    train_steps = run.config(workdir).train_steps
    step = latest_checkpoint_step(location)
    if step == 0:
        status = MISSING
    elif step < train_steps or not any((location / "export" / "generator").glob("*/saved_model.pb")):
        status = PARTIAL
    else:
        eval_json = location / "eval" / "eval.json"
        evaluated = eval_json.is_file() and json.loads(eval_json.read_text()).get("step") == step
        status = EVALUATED if evaluated else TRAINED
    return RunState(run, workdir, status, step, train_steps)


def latest_checkpoint_step(workdir) -> int:
    """The step of the workdir's latest checkpoint, 0 without one."""
    state = pathlib.Path(workdir) / "checkpoints" / "checkpoint"
    match = re.search(r'model_checkpoint_path: "ckpt-(\d+)"', state.read_text()) if state.is_file() else None
    return int(match.group(1)) if match else 0


def printable(command: list) -> str:
    return shlex.join(command)


def execute(command: list, log_path: pathlib.Path) -> None:
    """Runs `iggan-train ...` or `iggan-eval ...` as this interpreter's module from the repository root (where the
    flagfile paths are), appending its output to `log_path`; RuntimeError naming the log when it fails."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("a") as log:
        log.write(f"$ {printable(command)}\n")
        log.flush()
        completed = subprocess.run([sys.executable, "-m", _BINARIES[command[0]], *command[1:]], stdout=log,
                                   stderr=subprocess.STDOUT, cwd=REPOSITORY)
    if completed.returncode != 0:
        raise RuntimeError(f"{printable(command)} failed with exit code {completed.returncode}; see {log_path}")
