"""Text for the registration screen, built from plain data (Rich text, no widgets).

Kept apart from the screen so the wording can be read and tested in one place. Colour comes from
the stylesheet (theme variables), so the console mode can remap it; here only bold/reverse/dim.
Every name from the config is appended as plain text (``Text.append``), never parsed as markup.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache

from rich.text import Text

from storage import keys as keymaps
from storage.config import Config, Group, Task, Unit
from storage.describe import task_name
from storage.wording import plural  # noqa: F401 - re-exported: the screens import it from here

from .entry_state import EntryState
from .panel_data import PanelData, RecentEntry

TYPE_SHORT = 4  # OPRE STAT INFO VEJL SLVB FEJL: columns of the week matrix
MIN_LABEL = 8  # a task name is never cut shorter than this while the list has room

_NAMES = {"enter": "Enter", "escape": "Esc", "tab": "Tab", "plus": "+", "minus": "-",
          "slash": "/", "question_mark": "?", "space": "Mellemrum", "backspace": "Backspace",
          "delete": "Delete", "up": "Pil op", "down": "Pil ned", "left": "Pil venstre",
          "right": "Pil højre", "home": "Home", "end": "End", "pageup": "PgUp", "pagedown": "PgDn",
          "full_stop": ".", "comma": ",", "asterisk": "*", "equals_sign": "=", "number_sign": "#"}


def key_label(key: str) -> str:
    """How a key is written on screen, the same in footer, help and messages: "ctrl+u", "F2"."""
    if key in _NAMES:
        return _NAMES[key]
    if re.fullmatch(r"f\d{1,2}", key):
        return key.upper()
    if "+" in key:
        *mods, last = key.split("+")
        return "+".join([*mods, key_label(last)])
    return key


def key_labels(config: Config) -> dict[str, str]:
    """Binding id → the label of its keys ("?/F1"), after the config's ``[taster]``."""
    return {bid: "/".join(key_label(k) for k in keys)
            for bid, keys in keymaps.effective(config.keymap).items()}


def first_key(labels: dict[str, str], bid: str) -> str:
    return labels[bid].split("/")[0] if labels[bid] != "/" else "/"


def type_keys(config: Config) -> list[tuple[str, str]]:
    """(key, type code) for every type of the codebook, in codebook order: none is left out."""
    return [(t.key, code) for code, t in config.codebook.types.items()]


def _fit(text: str, room: int) -> str:
    return text if len(text) <= room else text[: max(room - 1, 0)].rstrip() + "…"


def thousands(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def header(config: Config, unit: Unit, panel: PanelData | None, width: int = 80,
           folded: bool = False) -> Text:
    parts = [config.kommune_navn, unit.name]
    tail = ""
    if panel is not None:
        parts.append("PRØVE: uden for tælleugen" if panel.trial else panel.week.name)
        if folded:
            tail = f" · {'Prøve i dag' if panel.trial else 'I dag'} {panel.today}"
    room = width - 1 - len(tail)
    if len(" · ".join(parts)) > room:
        parts = parts[1:]  # the unit matters more than the municipality's name
    line = _fit(" · ".join(parts), room)
    text = Text(" ")
    if panel is not None and panel.trial and line.endswith("PRØVE: uden for tælleugen"):
        text.append(line[: -len("PRØVE: uden for tælleugen")], style="bold")
        text.append("PRØVE: uden for tælleugen", style="bold reverse")
    else:
        text.append(line, style="bold")
    text.append(tail, style="bold")
    return text


def entry_line(config: Config, state: EntryState, labels: dict[str, str], width: int = 80) -> Text:
    code = state.entry_channel
    channel = config.codebook.channels[code]
    once = state.channel_once is not None
    text = Text(" Kanal ")
    tail_len = 46 + (len(str(state.batch)) + 7 if state.batch > 1 else 0)
    label = f"{code} {channel.label}" if width - len(code) - tail_len > len(channel.label) else code
    text.append(label, style="bold reverse" if once else "bold")
    text.append(" (samme borger)" if once else f" {first_key(labels, 'register.channel')}")
    text.append(" · ")
    text.append("HOLD" if state.hold else "STRAKS", style="bold reverse" if state.hold else "bold")
    text.append(" · blanket ")
    text.append("JA" if state.blanket else "NEJ", style="bold reverse" if state.blanket else "bold")
    if state.batch_typing is not None:
        text.append(f" · antal: {state.batch_typing}_", style="bold reverse")
    elif state.batch > 1:
        text.append(f" · {state.batch} stk.", style="bold reverse")
    return text


# -- step 1: the task list ----------------------------------------------------------------------

@lru_cache(maxsize=64)
def fit_labels(names: tuple[str, ...], room: int, extras: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Each name cut to ``room`` characters, and no two different names alike: when two cut names
    collide ("Boligsikri…" twice), both keep their beginning and their end instead, which is where
    such names differ ("Bolig…kring" / "Bolig…nsion"). Equal names get ``extras`` (the KLE number)."""
    room = max(room, 3)
    out = [_fit(n, room) for n in names]
    for attempt in range(2):
        clashes = _clashes(out)
        if not clashes:
            break
        for i, name in enumerate(names):
            if i not in clashes:
                continue
            if attempt == 1 and extras:
                name = f"{name} {extras[i]}"
            if len(name) > room:
                head = (room - 1) // 2
                out[i] = name[:head].rstrip() + "…" + name[-(room - 1 - head):].lstrip()
            else:
                out[i] = name
    return tuple(out)


def _clashes(labels: list[str]) -> set[int]:
    """Indexes of labels a reader could mistake for another: equal ones, and a cut one ("X…")
    whose visible part begins another label ("Boligsikrin…" next to "Boligsikring")."""
    out = set()
    for i, label in enumerate(labels):
        stem = label[:-1] if label.endswith("…") else None
        for j, other in enumerate(labels):
            if i != j and (other == label or (stem is not None and other.startswith(stem))):
                out.update((i, j) if other == label else (i,))
    return out


def _grid(cells: list[tuple[str, str, str, int | None]], rows: int, width: int) -> list[Text]:
    """Cells (key, label, KLE, count) in columns of ``rows``, each ``key label  count``."""
    if not cells:
        return []
    rows = max(1, rows)
    columns = -(-len(cells) // rows)
    rows = -(-len(cells) // columns)  # spread evenly: no column of one
    column_width = width // columns
    counts = [c for *_, c in cells if c is not None]
    count_width = max([len(str(c)) for c in counts] + [1])
    key_width = max(len(k) for k, *_ in cells) + 2
    room = column_width - key_width - 1 - (count_width + 1) - 1
    labels = fit_labels(tuple(label for _, label, _, _ in cells), room,
                        tuple(kle for _, _, kle, _ in cells))
    lines = []
    for r in range(rows):
        line = Text()
        for c in range(columns):
            i = c * rows + r
            if i >= len(cells):
                break
            key, _, _, count = cells[i]
            line.append(f" {key} ", style="bold reverse")
            line.append(f" {labels[i]:<{room}} ")
            shown = "" if count is None else (str(count) if count else "·")
            line.append(f"{shown:>{count_width}}", style="dim")
            line.append(" ")
        lines.append(line)
    return lines


def choices(config: Config, state: EntryState, height: int, width: int, *,
            counts: dict[str, int] | None = None, numbers: bool = False,
            labels: dict[str, str] | None = None) -> Text:
    """Step 1: the unit's tasks (or an open group's), step 2: the types, step 3: a question."""
    labels = labels or key_labels(config)
    if state.step == 3:
        return _question(state, labels)
    if state.step == 2:
        return _types(config, state, height, width, labels)
    counts = counts or {}
    cells = []
    for key, item in state.items():
        if isinstance(item, Group):
            n = sum(counts.get(t.kle, 0) for t in item.tasks)
            cells.append((key, f"» {item.name}", "", n))
        else:
            name = f"{item.kle} {item.name}" if numbers else item.name
            cells.append((key, name, item.kle, counts.get(item.kle, 0)))
    title = f"Trin 1 · {state.group.name}" if state.group else "Trin 1 · Vælg opgave"
    hint = (f"{first_key(labels, 'register.numbers')} KLE-nr · "
            f"{first_key(labels, 'register.search')} søg")
    text = Text()
    text.append(_fit(title, width - len(hint) - 2), style="bold")
    text.append(" " * max(1, width - len(text.plain) - len(hint)) + hint + "\n", style="dim")
    text.append(Text("\n").join(_grid(cells, height - 1, width)))
    return text


def _types(config: Config, state: EntryState, height: int, width: int, labels: dict[str, str]) -> Text:
    task = state.task
    text = Text()
    head = "Gentag · " if state.repeat else "Trin 2 · "
    text.append(_fit(f"{head}{task.kle} {task.name}", width) + "\n", style="bold")
    if state.repeat:
        text.append(_fit(f"{first_key(labels, 'register.repeat')} = gem som sidst ({state.type}), "
                         "eller vælg en anden type:", width) + "\n")
    elif state.unit.questions:
        text.append("Vælg type (derefter lokale spørgsmål):\n")
    else:
        text.append("Vælg type, så gemmes det:\n")
    entries = type_keys(config)
    rows = max(1, height - 5)
    columns = -(-len(entries) // rows)
    rows = -(-len(entries) // columns)
    column_width = width // columns
    for r in range(rows):
        for c in range(columns):
            i = c * rows + r
            if i >= len(entries):
                break
            key, code = entries[i]
            name = config.codebook.types[code].name
            marked = state.repeat and code == state.type
            text.append(f" {key} ", style="bold reverse")
            cell = _fit(f" {code:<8}{name}{' (sidst)' if marked else ''}", column_width - 4)
            text.append(f"{cell:<{column_width - 3}}", style="bold" if marked else "")
        text.append("\n")
    text.append("\n")
    text.append(f" {first_key(labels, 'register.hold')} ", style="bold reverse")
    text.append(" HOLD til/fra   ")
    text.append(f" {first_key(labels, 'register.blanket')} ", style="bold reverse")
    text.append(" blanket til/fra\n")
    text.append(f" {first_key(labels, 'register.cancel')} ", style="bold reverse")
    text.append(" ryd (intet gemmes)")
    return text


def _question(state: EntryState, labels: dict[str, str]) -> Text:
    question = state.question
    questions = state.unit.questions
    number = questions.index(question) + 1
    text = Text()
    text.append(f"Trin 3 · {state.task.name} · {state.type}\n", style="bold")
    text.append(f"Spørgsmål {number} af {len(questions)}: ", style="bold")
    text.append(question.text + "\n\n")
    for i, answer in enumerate(question.answers, start=1):
        text.append(f" {i} ", style="bold reverse")
        text.append(f" {answer}\n")
    if not question.required:
        text.append(" 0 ", style="bold reverse")
        text.append(" spring over (tomt svar)\n")
    text.append("\n")
    text.append(f" {first_key(labels, 'register.cancel')} ", style="bold reverse")
    text.append(" ryd (intet gemmes)")
    return text


# -- the live panel -----------------------------------------------------------------------------

def recent_line(config: Config, item: RecentEntry, width: int, *, day: bool = False) -> str:
    """``10:32 Flytning OPRET HOLD blanket 3 stk.`` in ``width`` characters (the name gives way)."""
    moment = item.end.astimezone(config.zone)
    when = f"{moment:%d-%m %H:%M}" if day else f"{moment:%H:%M}"
    details = [item.type or "-"]
    if item.afslutning == "HOLD":
        details.append("HOLD")
    if item.blanket == "JA":
        details.append("blanket")
    if item.count > 1:
        details.append(f"{item.count} stk.")
    if item.voided:
        details.append("ANNULLERET")
    rest = " ".join(details)
    name = task_name(config, item.enhed, item.opgave) or item.opgave
    room = width - len(when) - len(rest) - 2
    return f"{when} {_fit(name, max(room, 4)):<{max(room, 4)}} {rest}"[:width]


def panel(config: Config, unit: Unit, data: PanelData | None, width: int = 37) -> Text:
    if data is None:
        return Text("Henter tal …")
    label = "Prøve i dag" if data.trial else "I dag"
    text = Text()
    text.append(f"{label}: ", style="bold")
    text.append(f"{data.today}", style="bold reverse")
    text.append(f"   {'Prøve' if data.trial else 'Ugen'}: {data.week_total}\n")
    used_types = {t for (t, _) in data.matrix}
    fits = max(1, (width - 7) // 5)
    types = [t for t in config.codebook.types if t in used_types]
    types += [t for t in config.codebook.types if t not in used_types]
    types = [t for t in config.codebook.types if t in types[:fits]]  # codebook order
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
    for item in data.latest:
        style = "strike dim" if item.voided else ("italic" if item.trial else "")
        text.append(recent_line(config, item, width) + "\n", style=style)
    return text


# -- the message line ---------------------------------------------------------------------------

def short(config: Config, entry) -> str:
    """``1 × 23.05.10 Flytning · OPRET · PRSNLG · STRAKS · blanket NEJ``: fits one 80-column line."""
    task = task_name(config, entry.enhed, entry.opgave)
    return " · ".join([f"{entry.count} × {entry.opgave} {task}".rstrip(), entry.type or "-",
                       entry.kanal, entry.afslutning or "-", f"blanket {entry.blanket or '-'}"])


def answers_text(answers: dict[str, str]) -> str:
    return " · ".join(f"{q} {a}" for q, a in answers.items())


def saved(config: Config, entry, when: datetime, labels: dict[str, str], width: int = 78) -> str:
    """What was saved, each line within ``width``: the task (with the rest when it fits), then
    type, channel, afslutning, blanket and the answers, then what can follow."""
    prefix = "PRØVE gemt" if entry.trial else "Gemt"
    count = f"{entry.count} × " if entry.count > 1 else ""
    name = task_name(config, entry.enhed, entry.opgave)
    first = f"{prefix} kl. {when.astimezone(config.zone):%H:%M:%S}: {count}{entry.opgave} {name}".rstrip()
    details = " · ".join([entry.type or "-", entry.kanal, entry.afslutning or "-",
                          f"blanket {entry.blanket or '-'}"])
    if len(first) + 3 + len(details) <= width:
        lines = [f"{first} · {details}"]
    else:
        lines = [_fit(first, width), _fit(details, width)]
    if entry.answers:
        lines.append(_fit("Svar: " + answers_text(entry.answers), width))
    if len(lines) < 3:  # the message area has three lines
        lines.append(_fit(f"{first_key(labels, 'register.next')} = samme borger, ny opgave · "
                          f"{first_key(labels, 'register.undo')} = annullér", width))
    return "\n".join(lines)


def failed(config: Config, entry, error: str, retrying: bool = False, waiting: int = 1) -> str:
    again = "venter og prøver igen selv · Enter = prøv nu" if retrying else "Enter = prøv igen"
    more = f" ({waiting} venter)" if waiting > 1 else ""
    return f"IKKE GEMT{more}: {short(config, entry)}\nÅrsag: {error}.\n{again} · Esc = opgiv"


def task_of(unit: Unit, kle: str) -> Task | None:
    return next((t for t in unit.tasks() if t.kle == kle), None)
