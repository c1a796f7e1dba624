"""The playbook's quadrant plot as PNG bytes: x = yearly transactions, y = self-service rate.

Drawn with matplotlib's Agg canvas on a ``Figure`` of its own (no pyplot, no display, no global
state), so it is safe from a worker thread too. The image is always ``SIZE_PX``.
"""

from __future__ import annotations

import io

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from .analysis import QUADRANTS, YEARLY_TRANSACTIONS, Thresholds

DPI = 100
SIZE_PX = (1200, 800)
# Log scale when the largest task has this many times the transactions of the smallest.
LOG_SPREAD = 20
COLOURS = {"A": "#2e7d32", "B": "#757575", "C": "#1565c0", "D": "#c62828"}
# Corner of the axes that lies in each quadrant: (x, y, horizontal, vertical alignment).
CORNERS = {"A": (0.01, 0.99, "left", "top"), "B": (0.01, 0.01, "left", "bottom"),
           "C": (0.99, 0.99, "right", "top"), "D": (0.99, 0.01, "right", "bottom")}


def _thousands(value: float, _pos: object = None) -> str:
    if value >= 10 or value == 0:
        return f"{value:,.0f}".replace(",", ".")
    return f"{value:g}".replace(".", ",")


def render_png(t1: pd.DataFrame, th: Thresholds, title: str) -> bytes:
    """The plot of the tasks in Table 1 that have transactions, labelled by KLE."""
    fig = Figure(figsize=(SIZE_PX[0] / DPI, SIZE_PX[1] / DPI), dpi=DPI)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    fig.subplots_adjust(left=0.07, right=0.98, top=0.93, bottom=0.2)  # before labels are placed
    shown = t1[t1["Selvbetjeningsgrad"].notna()]
    x = shown[YEARLY_TRANSACTIONS].to_numpy(dtype=float)
    y = shown["Selvbetjeningsgrad"].to_numpy(dtype=float)
    log = len(x) > 1 and x.min() > 0 and x.max() / x.min() >= LOG_SPREAD
    if log:
        ax.set_xscale("log")
    for q, colour in COLOURS.items():
        mask = (shown["Kvadrant"] == q).to_numpy()
        ax.scatter(x[mask], y[mask], s=36, color=colour, zorder=3,
                   label=f"{q}: {QUADRANTS[q]} ({int(mask.sum())})")
    if len(x):
        low, high = x.min(), x.max()
        if th.volume is not None:
            low, high = min(low, th.volume), max(high, th.volume)
        if log:
            ax.set_xlim(low / 1.6, high * 1.6)
        else:
            pad = (high - low) * 0.08 or max(high * 0.1, 1)
            ax.set_xlim(max(0.0, low - pad), high + pad)
    else:
        ax.set_xlim(0, 1)
        ax.text(0.5, 0.5, "Ingen opgaver med transaktioner i udvalget", transform=ax.transAxes,
                ha="center", va="center", fontsize=12)
    ax.set_ylim(-5, 105)
    _label_points(fig, ax, shown["KLE"].tolist(), x, y)
    ax.axhline(th.rate, color="black", linestyle="--", linewidth=1, zorder=2)
    if th.volume is not None:
        ax.axvline(th.volume, color="black", linestyle="--", linewidth=1, zorder=2)
    for q, (cx, cy, ha, va) in CORNERS.items():
        ax.text(cx, cy, q, transform=ax.transAxes, ha=ha, va=va, fontsize=22, fontweight="bold",
                color=COLOURS[q], alpha=0.35, zorder=1)
    ax.xaxis.set_major_formatter(FuncFormatter(_thousands))
    ax.set_xlabel("Årlige transaktioner" + (" (logaritmisk akse)" if log else ""))
    ax.set_ylabel("Selvbetjeningsgrad (%)")
    ax.set_title(title, fontsize=12)
    ax.grid(True, which="major", alpha=0.3)
    if len(x):
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2, fontsize=9,
                  frameon=False)
    volume = "-" if th.volume is None else _thousands(th.volume)
    fig.text(0.99, 0.01,
             f"Tærskler: grad {_thousands(th.rate)} %, volumen {volume} årlige transaktioner",
             ha="right", va="bottom", fontsize=8, color="#555555")
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=DPI)
    return out.getvalue()


# Where a label may go, in points from its dot: right, above, below, left, further out.
_OFFSETS = [(4, 3), (4, -10), (-4, 3), (-4, -10), (4, 12), (4, -19), (-4, 12), (-4, -19),
            (10, 21), (10, -28), (-10, 21), (-10, -28)]


def _label_points(fig: Figure, ax, labels: list[str], x, y) -> None:
    """Label every dot with its KLE number, each label at the first nearby spot that does not
    overlap a label already placed (greedy, in pixels; one pass over the tasks)."""
    if not len(labels):
        return
    to_px = ax.transData.transform
    pts_to_px = DPI / 72
    char_w, height = 4.6 * pts_to_px, 8 * pts_to_px  # 7-point DejaVu Sans digits
    placed: list[tuple[float, float, float, float]] = []
    dots = to_px(list(zip(x, y)))
    for i in sorted(range(len(labels)), key=lambda k: (-y[k], x[k])):
        px, py = dots[i]
        width = char_w * len(labels[i])
        choice = _OFFSETS[0]
        for dx, dy in _OFFSETS:
            left = px + dx * pts_to_px - (width if dx < 0 else 0)
            bottom = py + dy * pts_to_px
            box = (left, bottom, left + width, bottom + height)
            if not any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3]
                       for b in placed):
                choice = (dx, dy)
                break
        else:
            left, bottom = px + choice[0] * pts_to_px, py + choice[1] * pts_to_px
            box = (left, bottom, left + width, bottom + height)
        placed.append(box)
        ax.annotate(labels[i], (x[i], y[i]), xytext=choice, textcoords="offset points",
                    fontsize=7, zorder=4, ha="right" if choice[0] < 0 else "left", va="bottom")


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")

