"""Text for the registration screen, built from plain data (Rich text, no widgets).

Kept apart from the screen so the wording can be read and tested in one place. Colour comes from
the stylesheet (theme variables), so the console mode can remap it; here only bold/reverse/dim.
"""

from __future__ import annotations

from rich.text import Text

from storage.config import Config, Group, Unit
from storage.describe import task_name
from storage.timeutil import from_stored

from .entry_state import EntryState
from .panel_data import PanelData

TYPE_SHORT = 4  # OPRE STAT INFO VEJL SLVB FEJL: columns of the week matrix


def type_keys(config: Config) -> list[tuple[str, str]]:
    """Type keys 1-6 in codebook order (OPRET, STATUS, INFO, VEJL, SLVBTJN, FEJL)."""
    return [(str(i), code) for i, code in enumerate(config.codebook.types, start=1) if i <= 9]


def header(config: Config, unit: Unit, panel: PanelData | None) -> Text:
    text = Text()
    text.append(f" {config.kommune_navn} · {unit.name}", style="bold")
    if panel is None:
        return text
    if panel.trial:
        text.append(" · PRØVE: uden for tælleugen", style="bold reverse")
    else:
        text.append(f" · {panel.week.name}")
    return text


def entry_line(config: Config, state: EntryState) -> Text:
    channel = config.codebook.channels[state.channel]
    text = Text(" Kanal ")
    text.append(f"{state.channel} {channel.label}", style="bold")
    text.append(" F2 · ")
    text.append("HOLD" if state.hold else "STRAKS", style="bold reverse" if state.hold else "bold")
    text.append(" · blanket ")
    text.append("JA" if state.blanket else "NEJ", style="bold reverse" if state.blanket else "bold")
    if state.batch_typing is not None:
        text.append(f" · antal: {state.batch_typing}_", style="bold reverse")
    elif state.batch > 1:
        text.append(f" · {state.batch} stk.", style="bold reverse")
    return text


def choices(config: Config, state: EntryState, height: int, width: int = 38) -> Text:
    """Step 1: the unit's tasks (or an open group's); step 2: the type keys."""
    if state.task is not None:
        text = Text()
        text.append(f"Trin 2 · {state.task.kle} {state.task.name}\n", style="bold")
        text.append("Vælg type, så gemmes det:\n\n")
        for key, code in type_keys(config):
            task_type = config.codebook.types[code]
            text.append(f" {key} ", style="bold reverse")
            text.append(f" {code:<8}{task_type.name}\n")
        text.append("\n h ", style="bold reverse")
        text.append(" HOLD til/fra   ")
        text.append(" b ", style="bold reverse")
        text.append(" blanket til/fra\n")
        text.append(" Esc ", style="bold reverse")
        text.append(" tilbage")
        return text
    title = f"Trin 1 · {state.group.name}" if state.group else "Trin 1 · Vælg opgave"
    text = Text()
    text.append(title + "\n", style="bold")
    lines = []
    for key, item in state.items():
        label = f"» {item.name}" if isinstance(item, Group) else f"{item.kle} {item.name}"
        lines.append((key, label))
    rows = max(1, height - 1)
    columns = [lines[i:i + rows] for i in range(0, len(lines), rows)]
    room = max(6, width // len(columns) - 5)  # " k " + space before, one column gap
    for r in range(min(rows, len(lines))):
        for column in columns:
            if r < len(column):
                key, label = column[r]
                text.append(f" {key} ", style="bold reverse")
                text.append(f" {_fit(label, room):<{room}} ")
        text.append("\n")
    return text


def _fit(label: str, room: int) -> str:
    return label if len(label) <= room else label[: room - 1] + "…"


def panel(config: Config, unit: Unit, data: PanelData | None) -> Text:
    if data is None:
        return Text("Henter tal …")
    label = "Prøve i dag" if data.trial else "I dag"
    text = Text()
    text.append(f"{label}: ", style="bold")
    text.append(f"{data.today}", style="bold reverse")
    text.append(f"   {'Prøve' if data.trial else 'Ugen'}: {data.week_total}\n")
    types = list(config.codebook.types)
    used = {kanal for (_, kanal) in data.matrix}
    channels = [c for c in unit.channels if c in used or c == unit.channel]
    channels += sorted(used - set(channels))
    text.append(f"{'':<7}" + "".join(f"{t[:TYPE_SHORT]:>5}" for t in types) + "\n", style="dim")
    for channel in channels:
        counts = [data.matrix.get((t, channel), 0) for t in types]
        text.append(f"{channel[:7]:<7}" + "".join(f"{n or '·':>5}" for n in counts) + "\n")
    text.append("Seneste her:\n", style="bold")
    if not data.latest:
        text.append("  (ingen endnu)\n")
    for row, count in data.latest:
        moment = from_stored(row.end_utc).astimezone(config.zone)
        line = f"{moment:%H:%M} {count:>2}× {row.opgave} {row.type or '-':<7}{row.kanal}"
        style = "strike dim" if row.voided else ("italic" if row.trial else "")
        text.append(line[:38] + "\n", style=style)
    return text


def short(config: Config, entry) -> str:
    """``1 × 23.05.10 Flytning · OPRET · PRSNLG · STRAKS · blanket NEJ``: fits one 80-column line."""
    task = task_name(config, entry.enhed, entry.opgave)
    return " · ".join([f"{entry.count} × {entry.opgave} {task}".rstrip(), entry.type or "-",
                       entry.kanal, entry.afslutning or "-", f"blanket {entry.blanket or '-'}"])


def saved(config: Config, entry, when) -> str:
    prefix = "PRØVE gemt" if entry.trial else "Gemt"
    return f"{prefix} kl. {when.astimezone(config.zone):%H:%M:%S}: {short(config, entry)}"


def failed(config: Config, entry, error: str, retrying: bool = False, waiting: int = 1) -> str:
    again = "venter og prøver igen selv · Enter = prøv nu" if retrying else "Enter = prøv igen"
    more = f" ({waiting} venter)" if waiting > 1 else ""
    return f"IKKE GEMT{more}: {short(config, entry)}\nÅrsag: {error}.\n{again} · Esc = opgiv"
