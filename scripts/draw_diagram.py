"""Draw docs/dlfa.png, README's picture of DLFA: the encoder's layers, the AIF gate, the task head.

    python scripts/draw_diagram.py            # writes docs/dlfa.png
    python scripts/draw_diagram.py --check    # exit 1 unless docs/dlfa.png is what this draws
"""
import argparse
import hashlib
import io
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "docs" / "dlfa.png"
LAYERS = 12
FUSED = 8


def box(ax, x, y, w, h, text, color, size=9):
    ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0.02,rounding_size=0.08", fc=color, ec="#333333"))
    ax.text(x + w / 2, y + h / 2, text, ha="center", va="center", fontsize=size)


def arrow(ax, start, end, color="#333333"):
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=10, color=color, lw=1.2))


def draw() -> bytes:
    """The diagram as PNG bytes (deterministic: no dates in the metadata)."""
    fig, ax = plt.subplots(figsize=(8, 4.6), dpi=110)
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 6)
    ax.axis("off")
    # The encoder: layers 1..12 stacked, layer k and the last one highlighted.
    for i in range(1, LAYERS + 1):
        color = "#f4a261" if i == FUSED else "#2a9d8f" if i == LAYERS else "#e9ecef"
        label = f"layer {i}" + (" = L_k" if i == FUSED else " = L_N" if i == LAYERS else "")
        box(ax, 0.3, 0.2 + (i - 1) * 0.45, 2.4, 0.36, label, color, size=7)
    ax.text(1.5, 5.8, "multilingual encoder\n(mBERT, XLM-R, ...)", ha="center", va="center", fontsize=9)
    # AIF: W = (L_k + L_N) / 2, a global and a local branch, a sigmoid gate g.
    box(ax, 3.6, 2.2, 2.9, 1.7, "AIF\nW = (L_k + L_N) / 2\ng = σ(global(W) + local(W))\nout = L_k·g + L_N·(1 − g)",
        "#fff3b0", size=8)
    arrow(ax, (2.75, 0.2 + (FUSED - 1) * 0.45 + 0.18), (3.6, 2.7), "#e76f51")
    arrow(ax, (2.75, 0.2 + (LAYERS - 1) * 0.45 + 0.18), (3.6, 3.4), "#21867a")
    box(ax, 7.2, 2.55, 2.4, 1.0, "task head\n(NER, POS, XNLI,\nPAWS-X, STS)", "#cde7f0", size=8)
    arrow(ax, (6.55, 3.05), (7.2, 3.05))
    ax.text(5.05, 1.6, "layer = k: one lower layer\nlayer = \"auto\": L_k = learned mix of layers 1..N−1",
            ha="center", va="center", fontsize=8, style="italic")
    ax.text(6.4, 0.6, "train on English,\npredict in every language (zero-shot)", ha="center", fontsize=9)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None}, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="exit 1 if docs/dlfa.png is not current")
    args = parser.parse_args(argv)
    png = draw()
    if args.check:
        current = OUT.read_bytes() if OUT.exists() else b""
        if hashlib.sha256(current).digest() != hashlib.sha256(png).digest():
            sys.exit(f"{OUT} is not what scripts/draw_diagram.py draws: run it")
        return
    OUT.parent.mkdir(parents=True, exist_ok=True)
    tmp = OUT.with_suffix(".tmp")
    tmp.write_bytes(png)
    tmp.replace(OUT)


if __name__ == "__main__":
    main()
