"""The report's "which layers did the model choose" section: the learned mix of layer = "auto"."""
from pathlib import Path
from typing import Dict, List

from ..tasks import TASKS
from .metrics_files import weights_line
from .plots import plot_layer_weights


def layer_weights_section(weights: Dict[str, Dict[int, List[float]]], folder: Path, png: str,
                          heading: str = "##") -> List[str]:
    """Markdown lines and a bar chart of the weight "auto" gave each lower layer, per task; [] without "auto" runs."""
    if not weights:
        return []
    plot_layer_weights({TASKS[task].title: by_layer for task, by_layer in weights.items()}, folder / png)
    lines = ["", f"{heading} Which layers did the model choose", "",
             "The weights of the learned mix of lower layers (layer = \"auto\"); the dashed line is the "
             "uniform mix it starts from.", ""]
    lines += [f"- {TASKS[task].title}: {weights_line(by_layer)}" for task, by_layer in weights.items()]
    return lines + ["", f"![Learned layer weights]({png})"]
