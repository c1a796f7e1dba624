"""Text for the registration screen, built from plain data (Rich text, no widgets).

Kept apart from the screen so the wording can be read and tested in one place. Colour comes from
the stylesheet (theme variables), so the console mode can remap it; here only bold/reverse/dim.
Every name from the config is appended as plain text (``Text.append``), never parsed as markup.
Text is fitted by terminal cells (``rich.cells.cell_len``), not characters: a name with wide
characters (CJK, emoji) takes two cells each, and any width, down to a few columns, is drawn.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import lru_cache

from rich.cells import cell_len, set_cell_size
from rich.text import Text

from storage import keys as keymaps
from storage.config import Config, Group, Task, Unit
from storage.describe import task_name
from storage.wording import plural  # noqa: F401 - re-exported: the screens import it from here

from .entry_state import EntryState
from .panel_data import PanelData, RecentEntry

MIN_LABEL = 8  # a task name is never cut shorter than this while the list has room
KLE_WIDTH = 9  # "23.05.10 " in front of a name when KLE numbers are on

_NAMES = {"enter": "Enter", "escape": "Esc", "tab": "Tab", "space": "Mellemrum", "backspace": "Backspace",
          "delete": "Delete", "insert": "Insert", "up": "Pil op", "down": "Pil ned", "left": "Pil venstre",
          "right": "Pil højre", "home": "Home", "end": "End", "pageup": "PgUp", "pagedown": "PgDn",
          "shift+tab": "Shift+Tab"}


def key_label(key: str) -> str:
    """How a key is written on screen, the same in footer, help and messages: "Ctrl+U", "F2",
    "]" (never Textual's internal names such as "right_square_bracket")."""
    if key in _NAMES:
        return _NAMES[key]
    if re.fullmatch(r"f\d{1,2}", key):
        return key.upper()
    char = keymaps.key_char(key)
    if char is not None:
        return char
    if "+" in key:
        *mods, last = key.split("+")
        last = last.upper() if len(last) == 1 else key_label(last)
        return "+".join([*(m.capitalize() for m in mods), last])
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


def task_key_range(keys: str) -> str:
    """"1-9, a, c, e", or "tasten ud for den" for a long list: how step 1's keys are named."""
    letters = keys.lstrip(keymaps.DIGITS)
    digits = keys[: len(keys) - len(letters)]
    head = f"1-{digits[-1]}" if len(digits) > 1 else digits
    if not letters:
        return head
    if len(letters) > 4:
        return "tasten ud for den"  # fits a 60-column message line, unlike a list of letters
    return f"{head}, {', '.join(letters)}"


def fit(text: str, room: int) -> str:
    """``text`` in at most ``room`` cells, cut with "…" when it is longer (nothing when room ≤ 0)."""
    if room <= 0:
        return ""
    if cell_len(text) <= room:
        return text
    return set_cell_size(text, room - 1).rstrip() + "…"


def pad(text: str, room: int, right: bool = False) -> str:
    """``text`` fitted and padded to exactly ``room`` cells (left-aligned, or right)."""
    text = fit(text, room)
    gap = " " * max(room - cell_len(text), 0)
    return gap + text if right else text + gap


_fit = fit  # the old name


def wrap(text: str, width: int) -> list[str]:
    """``text`` broken into lines of at most ``width`` cells, at spaces where it can be."""
    out: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}" if line else word
            if cell_len(candidate) <= width:
                line = candidate
                continue
            if line:
                out.append(line)
            while cell_len(word) > width > 0:  # a word longer than the line: cut it
                out.append(set_cell_size(word, width))
                word = word[len(set_cell_size(word, width).rstrip()) or 1:]
            line = word
        out.append(line)
    return out


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
    if cell_len(tail) > width - 12:
        tail = ""  # a very narrow screen: the unit and the week come first
    room = width - 1 - cell_len(tail)
    if cell_len(" · ".join(parts)) > room:
        parts = parts[1:]  # the unit matters more than the municipality's name
    trial_mark = "PRØVE: uden for tælleugen"
    if panel is not None and panel.trial and cell_len(" · ".join(parts)) > room:
        parts[-1] = trial_mark = "PRØVE"
    line = fit(" · ".join(parts), room)
    text = Text(" ")
    if panel is not None and panel.trial and line.endswith(trial_mark):
        text.append(line[: -len(trial_mark)], style="bold")
        text.append(trial_mark, style="bold reverse")
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
    label = f"{code} {channel.label}" if width - len(code) - tail_len > cell_len(channel.label) else code
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
    if state.carried is not None:
        text.append(" · svar som før", style="bold reverse")
    text.truncate(max(width, 0), overflow="ellipsis")
    return text


# -- step 1: the task list ----------------------------------------------------------------------

@lru_cache(maxsize=64)
def fit_labels(names: tuple[str, ...], room: int, extras: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Each name cut to ``room`` cells, and no two different names alike: when two cut names
    collide ("Boligsikri…" twice), both keep their beginning and their end instead, which is where
    such names differ ("Bolig…kring" / "Bolig…nsion"). Equal names get ``extras`` (the KLE number)."""
    room = max(room, 1)
    out = [fit(n, room) for n in names]
    for attempt in range(2):
        clashes = _clashes(out)
        if not clashes:
            break
        for i, name in enumerate(names):
            if i not in clashes:
                continue
            if attempt == 1 and extras:
                name = f"{name} {extras[i]}"
            if cell_len(name) > room and room >= 3:
                head = (room - 1) // 2
                tail = room - 1 - head
                out[i] = set_cell_size(name, head).rstrip() + "…" + _last_cells(name, tail).lstrip()
            else:
                out[i] = fit(name, room)
    return tuple(out)


def _last_cells(text: str, cells: int) -> str:
    """The end of ``text`` in at most ``cells`` cells."""
    out = ""
    for char in reversed(text):
        if cell_len(char + out) > cells:
            break
        out = char + out
    return out


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


def grid_room(count: int, rows: int, width: int, key_width: int = 1, count_width: int = 1) -> int:
    """The cells a label gets in a task list of ``count`` cells in columns of ``rows``."""
    rows = max(1, rows)
    columns = max(1, -(-count // rows))
    return width // columns - (key_width + 2) - 1 - (count_width + 1) - 1


def _grid(cells: list[tuple[str, str, str, int | None]], rows: int, width: int) -> list[Text]:
    """Cells (key, label, KLE, count) in columns of ``rows``, each ``key label  count``. At any
    width: a column too narrow for a label shows as much of it as fits, never a negative width."""
    if not cells or width <= 0:
        return []
    rows = max(1, rows)
    columns = -(-len(cells) // rows)
    rows = -(-len(cells) // columns)  # spread evenly: no column of one
    column_width = max(width // columns, 1)
    counts = [c for *_, c in cells if c is not None]
    count_width = max([len(str(c)) for c in counts] + [1])
    key_width = max(cell_len(k) for k, *_ in cells)
    room = column_width - (key_width + 2) - 1 - (count_width + 1) - 1
    if room < 1:  # too narrow for counts: key and label only
        count_width = 0
        room = column_width - (key_width + 2) - 2
    labels = fit_labels(tuple(label for _, label, _, _ in cells), max(room, 1),
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
            line.append(" " + pad(labels[i], max(room, 0)) + " ")
            if count_width:
                shown = "" if count is None else (str(count) if count else "·")
                line.append(pad(shown, count_width, right=True), style="dim")
                line.append(" ")
        line.truncate(width)
        lines.append(line)
    return lines


def task_cells(state: EntryState, counts: dict[str, int] | None, numbers: bool
               ) -> list[tuple[str, str, str, int | None]]:
    counts = counts or {}
    cells = []
    for key, item in state.items():
        if isinstance(item, Group):
            n = sum(counts.get(t.kle, 0) for t in item.tasks)
            cells.append((key, f"» {item.name}", "", n))
        else:
            name = f"{item.kle} {item.name}" if numbers else item.name
            cells.append((key, name, item.kle, counts.get(item.kle, 0)))
    return cells


def names_fit(state: EntryState, height: int, width: int, numbers: bool) -> bool:
    """Whether the task list shows each name (after its KLE number, if on) with at least
    MIN_LABEL cells, or whole: names must stay distinguishable."""
    cells = task_cells(state, None, numbers)
    if not cells:
        return True
    room = grid_room(len(cells), height - 1, width, max(cell_len(k) for k, *_ in cells))
    names = [label for _, label, _, _ in cells]
    need = min(MIN_LABEL + (KLE_WIDTH if numbers else 0), max(cell_len(n) for n in names))
    return room >= need


def choices(config: Config, state: EntryState, height: int, width: int, *,
            counts: dict[str, int] | None = None, numbers: bool = False,
            labels: dict[str, str] | None = None) -> Text:
    """Step 1: the unit's tasks (or an open group's), step 2: the types, step 3: a question."""
    labels = labels or key_labels(config)
    if state.step == 3:
        return _question(state, labels, width)
    if state.step == 2:
        return _types(config, state, height, width, labels)
    cells = task_cells(state, counts, numbers)
    title = f"Trin 1 · {state.group.name}" if state.group else "Trin 1 · Vælg opgave"
    hint = (f"{first_key(labels, 'register.numbers')} KLE-nr · "
            f"{first_key(labels, 'register.search')} søg")
    if cell_len(title) + cell_len(hint) + 2 > width:
        hint = ""
    text = Text()
    shown = fit(title, width - cell_len(hint) - (2 if hint else 0))
    text.append(shown, style="bold")
    if hint:
        text.append(" " * max(1, width - cell_len(shown) - cell_len(hint)) + hint, style="dim")
    text.append("\n")
    text.append(Text("\n").join(_grid(cells, height - 1, width)))
    return text


def _types(config: Config, state: EntryState, height: int, width: int, labels: dict[str, str]) -> Text:
    task = state.task
    text = Text()
    head = "Gentag · " if state.repeat else "Trin 2 · "
    text.append(fit(f"{head}{task.kle} {task.name}", width) + "\n", style="bold")
    if state.repeat:
        text.append(fit(f"{first_key(labels, 'register.repeat')} = gem som sidst ({state.type}), "
                        "eller vælg en anden type:", width) + "\n")
    elif state.unit.questions:
        text.append(fit("Vælg type (derefter lokale spørgsmål):", width) + "\n")
    else:
        text.append(fit("Vælg type, så gemmes det:", width) + "\n")
    entries = type_keys(config)
    rows = max(1, height - 5)
    columns = -(-len(entries) // rows)
    rows = -(-len(entries) // columns)
    column_width = max(width // columns, 4)
    for r in range(rows):
        line = Text()
        for c in range(columns):
            i = c * rows + r
            if i >= len(entries):
                break
            key, code = entries[i]
            name = config.codebook.types[code].name
            marked = state.repeat and code == state.type
            line.append(f" {key} ", style="bold reverse")
            cell = f" {code:<8}{name}{' (sidst)' if marked else ''}"
            line.append(pad(cell, column_width - 3), style="bold" if marked else "")
        line.truncate(width)
        text.append(line)
        text.append("\n")
    text.append("\n")
    keys = Text()
    keys.append(f" {first_key(labels, 'register.hold')} ", style="bold reverse")
    keys.append(" HOLD til/fra   ")
    keys.append(f" {first_key(labels, 'register.blanket')} ", style="bold reverse")
    keys.append(" blanket til/fra")
    keys.truncate(width)
    text.append(keys)
    text.append("\n")
    clear = Text()
    clear.append(f" {first_key(labels, 'register.cancel')} ", style="bold reverse")
    clear.append(" ryd (intet gemmes)")
    clear.truncate(width)
    text.append(clear)
    return text


def _question(state: EntryState, labels: dict[str, str], width: int = 80) -> Text:
    question = state.question
    questions = state.unit.questions
    number = questions.index(question) + 1
    lines: list[Text] = [
        Text(f"Trin 3 · {state.task.name} · {state.type}", style="bold"),
        Text.assemble((f"Spørgsmål {number} af {len(questions)}: ", "bold"), question.text),
        Text(""),
    ]
    for i, answer in enumerate(question.answers, start=1):
        lines.append(Text.assemble((f" {i} ", "bold reverse"), f" {answer}"))
    if not question.required:
        lines.append(Text.assemble((" 0 ", "bold reverse"), " spring over (tomt svar)"))
    lines.append(Text(""))
    lines.append(Text.assemble((f" {first_key(labels, 'register.cancel')} ", "bold reverse"),
                               " ryd (intet gemmes)"))
    for line in lines:
        line.truncate(max(width, 0), overflow="ellipsis")
    return Text("\n").join(lines)


# -- the live panel -----------------------------------------------------------------------------

def when_text(config: Config, moment: datetime, today: date | None) -> str:
    """``10:32:05``, or ``20-10 10:32:05`` when the entry is not from ``today``."""
    local = moment.astimezone(config.zone)
    return f"{local:%H:%M:%S}" if today is None or local.date() == today else f"{local:%d-%m %H:%M:%S}"


def recent_line(config: Config, item: RecentEntry, width: int, *, today: date | None = None) -> str:
    """``10:32:05 Flytning OPRET HOLD blanket 3 stk.`` in ``width`` cells (the name gives way);
    the date in front of the time for an entry that is not from ``today``."""
    when = when_text(config, item.end, today)
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
    room = max(width - len(when) - cell_len(rest) - 2, 4)
    return fit(f"{when} {pad(name, room)} {rest}", max(width, 0))


def type_heads(config: Config, types: list[str], room: int) -> list[str]:
    """The matrix's column heads, each ``room`` - 1 cells at most: as much of the code as fits."""
    return [t[: max(room - 1, 1)] for t in types]


def panel(config: Config, unit: Unit, data: PanelData | None, width: int = 37, height: int = 18) -> Text:
    if data is None:
        return Text("Henter tal …")
    width = max(width, 1)
    label = "Prøve i dag" if data.trial else "I dag"
    text = Text()
    head = Text()
    head.append(f"{label}: ", style="bold")
    head.append(f"{data.today}", style="bold reverse")
    head.append(f"   {'Prøve' if data.trial else 'Ugen'}: {data.week_total}")
    head.truncate(width)
    text.append(head)
    text.append("\n")
    used_types = {t for (t, _) in data.matrix}
    all_types = list(config.codebook.types)
    # Wider columns where there is room (the full code, up to 7 letters), at least 5 cells.
    column = max(5, min(8, (width - 7) // max(len(all_types), 1)))
    fits = max(1, (width - 7) // column)
    types = [t for t in all_types if t in used_types] + [t for t in all_types if t not in used_types]
    types = [t for t in all_types if t in types[:fits]]  # codebook order
    used = {kanal for (_, kanal) in data.matrix}
    channels = [c for c in unit.channels if c in used or c == unit.channel]
    channels += sorted(used - set(channels))
    heads = type_heads(config, types, column)
    text.append(fit(f"{'':<7}" + "".join(pad(h, column, right=True) for h in heads), width) + "\n",
                style="dim")
    for channel in channels:
        counts = [data.matrix.get((t, channel), 0) for t in types]
        text.append(fit(pad(channel, 7) + "".join(pad(str(n or "·"), column, right=True) for n in counts),
                        width) + "\n")
    text.append("Seneste her:\n", style="bold")
    if not data.latest:
        text.append("  (ingen endnu)\n")
    for item in data.latest:
        style = "strike dim" if item.voided else ("italic" if item.trial else "")
        text.append(recent_line(config, item, width, today=data.day) + "\n", style=style)
    return text


# -- the message line ---------------------------------------------------------------------------

def short(config: Config, entry) -> str:
    """``1 × 23.05.10 Flytning · OPRET · PRSNLG · STRAKS · blanket NEJ``: fits one 80-column line."""
    task = task_name(config, entry.enhed, entry.opgave)
    return " · ".join([f"{entry.count} × {entry.opgave} {task}".rstrip(), entry.type or "-",
                       entry.kanal, entry.afslutning or "-", f"blanket {entry.blanket or '-'}"])


def tiny(config: Config, entry) -> str:
    """``Pas OPRET`` (``3 × Pas OPRET``): an entry in a list of waiting ones."""
    name = task_name(config, entry.enhed, entry.opgave) or entry.opgave
    return f"{entry.count} × {name} {entry.type or '-'}" if entry.count > 1 else f"{name} {entry.type or '-'}"


def preview(config: Config, state: EntryState) -> str:
    """What Enter would save, in full: count, task, type, channel, HOLD/STRAKS, blanket."""
    task = state.task
    return " · ".join([f"{state.batch} × {task.kle} {task.name}".rstrip(), state.type or "-",
                       state.entry_channel, "HOLD" if state.hold else "STRAKS",
                       f"blanket {'JA' if state.blanket else 'NEJ'}"])


def answers_text(answers: dict[str, str]) -> str:
    return " · ".join(f"{q} {a}" for q, a in answers.items())


def saved(config: Config, entry, labels: dict[str, str], width: int = 78) -> str:
    """What was saved, each line within ``width`` cells: the task (with the rest when it fits),
    then type, channel, afslutning, blanket and the answers, then what can follow. The time is
    the entry's end, as stored: the key that completed it."""
    prefix = "PRØVE gemt" if entry.trial else "Gemt"
    count = f"{entry.count} × " if entry.count > 1 else ""
    name = task_name(config, entry.enhed, entry.opgave)
    first = f"{prefix} kl. {entry.end.astimezone(config.zone):%H:%M:%S}: {count}{entry.opgave} {name}".rstrip()
    details = " · ".join([entry.type or "-", entry.kanal, entry.afslutning or "-",
                          f"blanket {entry.blanket or '-'}"])
    if cell_len(first) + 3 + cell_len(details) <= width:
        lines = [f"{first} · {details}"]
    else:
        lines = [fit(first, width), fit(details, width)]
    if entry.answers:
        lines.append(fit("Svar: " + answers_text(entry.answers), width))
    if len(lines) < 3:  # the message area has three lines
        lines.append(fit(f"{first_key(labels, 'register.next')} = samme borger, ny opgave · "
                         f"{first_key(labels, 'register.undo')} = annullér", width))
    return "\n".join(lines)


def failed(config: Config, entry, error: str, retrying: bool = False, width: int | None = None) -> str:
    """Two lines: what was not saved, and why. At ``width`` each keeps to one line (the task name
    gives way first), so the reason and the waiting line below it (Enter/Esc) stay in sight."""
    again = " (prøver igen selv)" if retrying else ""
    head, reason = f"IKKE GEMT: {short(config, entry)}", f"Årsag: {error}.{again}"
    if width is None:
        return f"{head}\n{reason}"
    if cell_len(head) <= width:
        return f"{head}\n{fit(reason, width)}"
    lead = f"IKKE GEMT: {entry.count} × {entry.opgave}"
    tail = " · ".join([entry.type or "-", entry.kanal, entry.afslutning or "-", f"blanket {entry.blanket or '-'}"])
    room = width - cell_len(lead) - cell_len(tail) - 4  # the space before the name, " · " after
    if room < 10:  # narrow: HOLD/STRAKS and blanket give way to the name
        tail = " · ".join([entry.type or "-", entry.kanal])
        room = width - cell_len(lead) - cell_len(tail) - 4
    name = fit(task_name(config, entry.enhed, entry.opgave), room) if room >= 4 else ""
    head = f"{f'{lead} {name}'.rstrip()} · {tail}"
    return f"{fit(head, width)}\n{fit(reason, width)}"


def waiting(config: Config, failed_entries: list, slow: list, width: int, labels: dict[str, str]) -> str:
    """The line that stays until every entry is settled: how many are NOT saved or still waiting
    for the database, which ones, and what Enter and Esc do about them. Empty when none."""
    if not failed_entries and not slow:
        return ""
    parts = []
    if failed_entries:
        parts.append(f"{len(failed_entries)} IKKE GEMT")
    if slow:
        parts.append(f"{len(slow)} venter på databasen")
    names = ", ".join(tiny(config, e) for e in [*failed_entries, *slow])
    keys = (f" · {first_key(labels, 'register.repeat')} = prøv nu · "
            f"{first_key(labels, 'register.cancel')} = opgiv") if failed_entries else ""
    room = width - cell_len(f"Venter: {' og '.join(parts)}") - cell_len(keys) - 3  # " (" and ")"
    listed = f" ({fit(names, room)})" if room >= 8 else ""
    return fit(f"Venter: {' og '.join(parts)}{listed}{keys}", width)


def task_of(unit: Unit, kle: str) -> Task | None:
    return next((t for t in unit.tasks() if t.kle == kle), None)
