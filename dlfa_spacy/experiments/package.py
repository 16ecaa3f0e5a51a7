"""`spacy package` with the meta of `packaging.py`, its setuptools output written to a log beside the package."""
import json
import subprocess
import sys
from pathlib import Path
from typing import Tuple

from ..atomic import write_atomic
from ..packaging import package_meta
from .evaluate import fusion_layer


def package_pipeline(model: Path, output_dir: Path, task: str, name: str, version: str,
                     encoder: str) -> Tuple[Path, Path]:
    """(the wheel, the build log) of `spacy package MODEL OUTPUT_DIR --build wheel` with the project's meta."""
    from thinc.api import Config

    config = Config().from_disk(Path(model) / "config.cfg", interpolate=False)
    meta = package_meta(task, encoder, fusion_layer(config))
    output_dir.mkdir(parents=True, exist_ok=True)
    meta_path = output_dir / f"xx_{name}-meta.json"
    write_atomic(meta_path, json.dumps(meta, indent=2).encode("utf8"))
    log = output_dir / f"xx_{name}-build.log"
    command = [sys.executable, "-m", "spacy", "package", str(model), str(output_dir), "--name", name,
               "--version", version, "--meta-path", str(meta_path), "--build", "wheel", "--force"]
    with log.open("w", encoding="utf8") as out:
        # setuptools' output is long (half of a demo log was it): it goes to the log, not the terminal.
        done = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT)
    if done.returncode != 0:
        tail = log.read_text(encoding="utf8").strip().splitlines()[-1:] or ["no output"]
        raise ValueError(f"spacy package failed (exit {done.returncode}) for {model}: {tail[0]} (whole output in {log})")
    wheel = output_dir / f"xx_{name}-{version}" / "dist" / f"xx_{name}-{version}-py3-none-any.whl"
    if not wheel.exists():
        raise ValueError(f"spacy package wrote no {wheel} (output in {log})")
    return wheel, log
