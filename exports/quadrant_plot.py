"""The playbook's quadrant plot as PNG bytes: x = yearly transactions, y = self-service rate.

Every task is a numbered dot; the numbers are placed so they do not collide, and the list beside
the plot says which KLE number and task each number is. The rate axis runs from -15 to 115, so the
corner letters A-D sit in bands no rate can reach and never cover a dot. Drawn with matplotlib's Agg canvas on a ``Figure`` of its own (no pyplot, no display, no global
state), so it is safe from a worker thread too. The image is always ``SIZE_PX``.
"""

from __future__ import annotations

import io

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, NullFormatter

from .analysis import QUADRANTS, YEARLY_TRANSACTIONS, Thresholds
from storage.wording import plural

DPI = 100
SIZE_PX = (1200, 800)
# Log scale when the largest task has this many times the transactions of the smallest.
LOG_SPREAD = 20
COLOURS = {"A": "#2e7d32", "B": "#757575", "C": "#1565c0", "D": "#c62828"}
# Corner of the axes that lies in each quadrant: (x, y, horizontal, vertical alignment). With the
# y axis from Y_LIMITS, the top and bottom 15 points of rate lie outside 0-100: no dot is there.
CORNERS = {"A": (0.01, 0.995, "left", "top"), "B": (0.01, 0.005, "left", "bottom"),
           "C": (0.99, 0.995, "right", "top"), "D": (0.99, 0.005, "right", "bottom")}
Y_LIMITS = (-15, 115)
PLOT_RIGHT = 0.70  # the list of numbered tasks fills the figure right of this
LIST_ROWS = 46  # lines per column of the list; a second column after that
NAME_CHARS = 26


def _thousands(value: float, _pos: object = None) -> str:
    if value >= 10 or value == 0:
        return f"{value:,.0f}".replace(",", ".")
    return f"{value:g}".replace(".", ",")


def render_png(t1: pd.DataFrame, th: Thresholds, title: str) -> bytes:
    """The plot of the tasks in Table 1 that have transactions, labelled by KLE."""
    fig = Figure(figsize=(SIZE_PX[0] / DPI, SIZE_PX[1] / DPI), dpi=DPI)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    fig.subplots_adjust(left=0.07, right=PLOT_RIGHT, top=0.93, bottom=0.2)  # before labels
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
    ax.set_ylim(*Y_LIMITS)
    ax.set_yticks([0, 20, 40, 60, 80, 100])
    numbers = [str(i) for i in range(1, len(shown) + 1)]
    _label_points(fig, ax, numbers, x, y)
    _task_list(fig, numbers, shown["KLE"].tolist(), shown["Opgave"].tolist())
    ax.axhline(th.rate, color="black", linestyle="--", linewidth=1, zorder=2)
    if th.volume is not None:
        ax.axvline(th.volume, color="black", linestyle="--", linewidth=1, zorder=2)
    for q, (cx, cy, ha, va) in CORNERS.items():
        ax.text(cx, cy, q, transform=ax.transAxes, ha=ha, va=va, fontsize=22, fontweight="bold",
                color=COLOURS[q], alpha=0.35, zorder=1)
    ax.xaxis.set_major_formatter(FuncFormatter(_thousands))
    ax.xaxis.set_minor_formatter(FuncFormatter(_thousands) if log and len(x) and
                                 x.max() / x.min() < 100 else NullFormatter())
    ax.set_xlabel("Årlige transaktioner" + (" (logaritmisk akse)" if log else ""))
    ax.set_ylabel("Selvbetjeningsgrad (%)")
    ax.set_title(title, fontsize=12, loc="left")
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


def _label_points(fig: Figure, ax, labels: list[str], x, y) -> list[tuple[float, ...]]:
    """Label every dot with its number, each label at the first nearby spot that does not
    overlap a label already placed (greedy, in pixels; one pass over the tasks). Returns the
    labels' boxes in pixels (left, bottom, right, top)."""
    if not len(labels):
        return []
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
    return placed


def _task_list(fig: Figure, numbers: list[str], kle: list[str], names: list[str]) -> None:
    """``1  23.05.10 Flytning`` per dot, right of the plot, in one or two columns."""
    if not numbers:
        return
    lines = []
    chars = NAME_CHARS if len(numbers) <= LIST_ROWS else 10
    for number, k, name in zip(numbers, kle, names):
        name = name if len(name) <= chars else name[:chars - 1] + "…"
        lines.append(f"{number:>3}  {k} {name}".rstrip())
    columns = [lines[i:i + LIST_ROWS] for i in range(0, len(lines), LIST_ROWS)][:2]
    if len(lines) > 2 * LIST_ROWS:
        columns[-1][-1] = f"… og {plural(len(lines) - 2 * LIST_ROWS + 1, 'opgave', 'opgaver')} mere (se Tabel 1)"
    fig.text(PLOT_RIGHT + 0.02, 0.95, "Opgaver", fontsize=9, fontweight="bold", va="top")
    size = 7.5 if len(columns) == 1 else 6
    width = (0.99 - PLOT_RIGHT - 0.02) / len(columns)
    for i, column in enumerate(columns):
        fig.text(PLOT_RIGHT + 0.02 + i * width, 0.92, "\n".join(column), fontsize=size,
                 va="top", ha="left", family="DejaVu Sans Mono", linespacing=1.25)


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")

