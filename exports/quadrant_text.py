"""The playbook's quadrant in characters, for the terminal report and the coordinator's console:
x = yearly transactions (logarithmic when the tasks span 20× or more, as in kvadrant.png),
y = self-service rate 0-100 %, the two thresholds as lines, the quadrant letters A-D in the
corners, each task a number 1, 2, … (never a letter, which read as a quadrant) with a blank
between two numbers; "*" where a number has no room (the list below says which). ASCII only:
readable on the Linux console."""

from __future__ import annotations

import math

from .analysis import YEARLY_TRANSACTIONS, Thresholds
from .quadrant_plot import LOG_SPREAD

FREE = " -|+"  # cells a number may cover: blank and the threshold lines


def quadrant_lines(t1, th: Thresholds, *, width: int = 60, height: int = 11) -> list[str]:
    shown = t1[t1["Selvbetjeningsgrad"].notna()]
    if shown.empty:
        return ["Kvadrant: ingen opgaver med transaktioner i udvalget."]
    xs = [float(v) for v in shown[YEARLY_TRANSACTIONS]]
    ys = [float(v) for v in shown["Selvbetjeningsgrad"]]
    low, high = min(xs + ([th.volume] if th.volume else [])), max(xs + ([th.volume] if th.volume else []))
    log = low > 0 and high / low >= LOG_SPREAD

    def column(x: float) -> int:
        if high == low:
            return width // 2
        if log:
            share = (math.log(x) - math.log(low)) / (math.log(high) - math.log(low))
        else:
            share = (x - low) / (high - low)
        return min(width - 1, max(0, round(share * (width - 1))))

    def row(rate: float) -> int:
        return min(height - 1, max(0, round((100 - rate) / 100 * (height - 1))))

    grid = [[" "] * width for _ in range(height)]
    rate_row = row(th.rate)
    volume_col = column(th.volume) if th.volume is not None else None
    for c in range(width):
        grid[rate_row][c] = "-"
    if volume_col is not None:
        for r in range(height):
            grid[r][volume_col] = "+" if r == rate_row else "|"
    grid[0][0], grid[-1][0], grid[0][-1], grid[-1][-1] = "A", "B", "C", "D"
    taken: set[tuple[int, int]] = set()  # cells of numbers and "*", each with its blank margin
    legend = []
    for i, (x, y, kle, name, q) in enumerate(zip(xs, ys, shown["KLE"], shown["Opgave"], shown["Kvadrant"])):
        label = str(i + 1)
        r, c = row(y), column(x)
        start = min(c, width - len(label))
        cells = range(start, start + len(label))
        margin = range(start - 1, start + len(label) + 1)
        if all(grid[r][k] in FREE and (r, k) not in taken for k in cells) and \
                not any((r, k) in taken for k in margin):
            for k, char in zip(cells, label):
                grid[r][k] = char
            taken.update((r, k) for k in margin)
            legend.append(f"{label:>3} {kle} {name} ({q})".rstrip())
        else:
            if grid[r][c] in FREE and (r, c) not in taken:
                grid[r][c] = "*"
                taken.update((r, k) for k in (c - 1, c, c + 1))
            legend.append(f"{label:>3} {kle} {name} ({q}) *".rstrip())
    lines = [f"Kvadrant: x = årlige transaktioner{' (logaritmisk)' if log else ''}, "
             f"y = selvbetjeningsgrad 0-100 %"]
    for r, cells in enumerate(grid):
        label = "100 " if r == 0 else "  0 " if r == height - 1 else "    "
        lines.append(label + "".join(cells))
    lines.append(f"    {_short(low):<{width // 2}}{_short(high):>{width - width // 2}}")
    lines.append("A-D = kvadranter; tal = opgaverne nedenfor; * = ingen plads til tallet.")
    lines += legend
    return lines


def _short(value: float) -> str:
    return f"{value:,.0f}".replace(",", ".")
