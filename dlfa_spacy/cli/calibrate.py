"""`calibrate`: fit a textcat pipeline's temperature on English dev data and save it with the pipeline."""
from pathlib import Path
from typing import Any, Dict

from ..metrics import CALIBRATION_KEYS
from ._util import Arg, Opt, app, input_errors, msg, setup_gpu


@app.command("calibrate")
@input_errors
def calibrate_cli(
    # fmt: off
    model: str = Arg(..., help="Pipeline to calibrate: a path or an installed package name"),
    dev: Path = Arg(..., help="English dev set (.spacy) with gold doc.cats: the only data the temperature is fitted on", exists=True, dir_okay=False),
    output: Path = Arg(..., help="Folder to save the calibrated pipeline to (replaced if it exists)", file_okay=False),
    component: str = Opt("textcat", "--component", "-c", help="The exclusive textcat whose doc.cats to calibrate"),
    gpu_id: int = Opt(-1, "--gpu-id", "-g", help="GPU id, or -1 for the CPU"),
    # fmt: on
) -> None:
    """Fit one temperature (minimum NLL) on English dev data and add a temperature_scaling component.

    No target-language data is used, so the transfer stays zero-shot. spacy.load of the
    output returns calibrated doc.cats, and `spacy package` carries the temperature in
    the pipeline's config. Accuracy is unchanged (scaling keeps the argmax).
    """
    from ..experiments.calibrate import calibrate_pipeline

    setup_gpu(gpu_id)
    fit = calibrate_pipeline(model, dev, output, component=component)
    print_fit(fit)
    msg.good(f"Saved the calibrated pipeline to {output}")


def print_fit(fit: Dict[str, Any]) -> None:
    """The temperature and the dev scores before and after scaling."""
    msg.divider(f"temperature {fit['temperature']:.4f} on {fit['n']} dev examples")
    rows = []
    for key in CALIBRATION_KEYS:
        before, after = fit["before"][key], fit["after"][key]
        scale = 100 if key in ("accuracy", "ece") else 1
        fmt = "{:.2f}" if scale == 100 else "{:.4f}"
        rows.append((key + (" (%)" if scale == 100 else ""), fmt.format(scale * before), fmt.format(scale * after)))
    msg.table(rows, header=("dev", "before", "after"), divider=True, aligns=("l", "r", "r"))
