"""Modal dialogs: unit picker, channel picker, confirm, the Seneste list, task search, help, PIN.

Keyboard only. Every text that comes from the config or the database is shown as plain text
(``Static(markup=False)``, ``rich.text.Text`` options), never parsed as Textual markup.
"""

from __future__ import annotations

import logging
import math
import re
import textwrap
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

from rich.cells import cell_len
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from storage.config import Config, Task, Unit
from storage.keys import DEFAULT_KEYS, NUMBER_KEYS
from storage.kle import KleCatalogue, load_catalogue
from storage.pin import check_pin

from .. import render
from ..key_filter import REPEAT
from ..panel_data import RecentEntry

SEARCH_MAX = 40  # characters: a KLE number or part of a name
PIN_MAX = 64
PIN_FREE_TRIES = 3  # then a growing wait before the next try
HELP_WIDTH = 68  # the help's text width at 80 columns (78 wide, border, padding, scrollbar)
LOG = logging.getLogger("taelleuge")
TWICE = "Samme tast to gange hurtigt efter hinanden tæller én gang — tryk igen."
# A yes/no question nobody answers closes itself with no: left open, the next citizen's keys
# would meet it (and "Gem den igen?" must never be answered by someone who did not read it).
CONFIRM_IDLE = timedelta(seconds=30)
CONFIRM_TICK = 1.0  # seconds between checks (they read the injected clock)


def _binding(bid: str, action: str, description: str, **kwargs) -> Binding:
    return Binding(DEFAULT_KEYS[bid], action, description, id=bid, **kwargs)


@lru_cache(maxsize=1)
def _catalogue(path: Path | None) -> KleCatalogue | None:
    """The KLE file, parsed once per process: search and help open many times a day, and the
    parse runs on the UI thread. None when no file is set or it cannot be read (both dialogs
    then work on the unit's own package)."""
    if path is None:
        return None
    try:
        return load_catalogue(path)
    except Exception:  # noqa: BLE001
        return None


class Dialog(ModalScreen):
    """A dialog of the desk. The app drops keys that arrive in its first moment (typed for the
    screen below) and held or bounced ones (tui.key_filter); the dialog says so on a line of its
    own, so a key that did nothing never goes unexplained."""

    opened_at: float | None = None  # set by the app when the dialog is pushed

    def dropped_line(self) -> Static:
        line = Static("", classes="dialog-dropped", markup=False)
        line.display = False
        return line

    def key_dropped(self, event: events.Key, why: str) -> None:
        lines = self.query(".dialog-dropped")
        if not lines:
            return
        if why == REPEAT:
            text = TWICE
        else:
            key = event.character if event.is_printable and event.character else render.key_label(event.key)
            text = (f"Tasten {key} kom, lige da dette blev vist, og tæller ikke: læs det, og tryk "
                    "igen.")
        line = lines.first(Static)
        line.update(text)
        line.display = True


class _Numbered(Dialog):
    """A numbered list: press the item's key, or Escape to leave it as it was."""

    BINDINGS = [_binding("dialog.cancel", "dismiss(None)", "Tilbage")]

    def __init__(self, title: str, items: list[tuple[str, str]], note: str = ""):
        super().__init__()
        self.title_text, self.items, self.note = title, items, note
        self.keys = dict(zip(NUMBER_KEYS, (value for value, _ in items)))

    def compose(self) -> ComposeResult:
        lines = [f" {key}  {label}" for key, (_, label) in zip(NUMBER_KEYS, self.items)]
        with Vertical(classes="dialog"):
            yield Static(self.title_text, classes="dialog-title", markup=False)
            yield Static("\n".join(lines), markup=False)
            yield Static(self.note or "Tryk tallet ud for dit valg. Esc = tilbage.", classes="dialog-note",
                         markup=False)
            yield self.dropped_line()

    def on_key(self, event) -> None:
        if event.character and event.character in self.keys:
            event.stop()
            self.dismiss(self.keys[event.character])


class UnitPicker(_Numbered):
    def __init__(self, config: Config, *, locked: bool = False):
        super().__init__(
            "Hvilken enhed registrerer du for?",
            [(u.code, f"{u.name} ({u.code})") for u in config.units.values()],
            "Tryk tallet for din enhed." if locked else "Tryk tallet for din enhed. Esc = afslut.",
        )
        self.locked = locked

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # The locked kiosk has nowhere to go back to: Esc does nothing, and the note says so.
        return not (self.locked and action == "dismiss")


class ChannelPicker(_Numbered):
    def __init__(self, config: Config, unit: Unit, current: str):
        items = []
        for code in unit.channels:
            channel = config.codebook.channels[code]
            mark = "  (nu)" if code == current else ""
            items.append((code, f"{code:<9} {channel.label}{mark}"))
        super().__init__("Skift kanal (bliver, til du skifter igen)", items)


class Confirm(Dialog):
    """A yes/no question. Yes is ``j`` (or ``y``), never Enter, Esc or a digit: a held Enter or a
    bounced key cannot answer it; a held, bounced or typed-ahead key never reaches it (the app's
    key filter)."""

    BINDINGS = [
        _binding("confirm.yes", "dismiss(True)", "Ja"),
        _binding("confirm.no", "dismiss(False)", "Nej"),
    ]
    leaving = False  # the question about leaving the app: only one of those at a time
    timed_out = False  # closed by itself with no after CONFIRM_IDLE without a key

    def __init__(self, question: str, yes: str = "Ja", no: str = "Nej"):
        super().__init__()
        self.question, self.yes, self.no = question, yes, no

    def on_mount(self) -> None:
        self._touched = self.app.clock()
        self.set_interval(CONFIRM_TICK, self._close_if_idle)

    def on_key(self, event: events.Key) -> None:
        self._touched = self.app.clock()  # someone is at the keyboard: not idle

    def _close_if_idle(self) -> None:
        if self.app.screen is self and self.app.clock() - self._touched >= CONFIRM_IDLE:
            self.timed_out = True
            self.dismiss(False)

    def compose(self) -> ComposeResult:
        labels = render.key_labels(self.app.config)
        with Vertical(classes="dialog"):
            yield Static(self.question, markup=False)
            yield Static(f"{labels['confirm.yes']} = {self.yes}     {labels['confirm.no']} = {self.no}",
                         classes="dialog-note", markup=False)
            yield self.dropped_line()


class RecentList(Dialog):
    """This user's last entries at this station: pick one to void it, or to go on with the same
    citizen's next task."""

    BINDINGS = [
        _binding("recent.void", "choose('void')", "Annullér", priority=True),
        _binding("recent.next", "choose('next')", "Samme borger", priority=True),
        _binding("recent.cancel", "dismiss(None)", "Tilbage"),
    ]

    def __init__(self, config: Config, entries: list[RecentEntry], today: date | None = None):
        super().__init__()
        self.config, self.entries, self.today = config, entries, today

    def compose(self) -> ComposeResult:
        labels = render.key_labels(self.config)
        with Vertical(classes="dialog recent"):
            yield Static("Dine seneste registreringer her (kun dagens kan annulleres)",
                         classes="dialog-title", markup=False)
            yield OptionList(*[Option(self._line(e, 56)) for e in self.entries], id="recent")
            yield Static(f"Pil op/ned · {labels['recent.void']} = annullér · "
                         f"{labels['recent.next']} = samme borger · {labels['recent.cancel']} = tilbage",
                         classes="dialog-note", markup=False)
            yield self.dropped_line()

    def _line(self, entry: RecentEntry, width: int) -> Text:
        """One entry on one line of ``width`` cells: the channel last, the name gives way."""
        kanal = f"  {entry.kanal}"
        line = render.recent_line(self.config, entry, max(width - len(kanal), 1), today=self.today) + kanal
        return Text(render.fit(line, width), style="strike dim" if entry.voided else "")

    def on_mount(self) -> None:
        options = self.query_one("#recent", OptionList)
        options.highlighted = 0
        options.focus()
        self.call_after_refresh(self._fit)

    def on_resize(self) -> None:
        self.call_after_refresh(self._fit)

    def _fit(self) -> None:
        """Each entry on one line at this width, and as many lines as the screen has room for."""
        options = self.query_one("#recent", OptionList)
        width = options.scrollable_content_region.width - 1
        if width > 0:
            highlighted = options.highlighted
            options.clear_options()
            options.add_options([Option(self._line(e, width)) for e in self.entries])
            options.highlighted = highlighted
        # The title, the note and the dialog's frame take what is not the list's.
        room = self.app.size.height - 12
        options.styles.max_height = max(3, min(len(self.entries) + 2, room))

    def action_choose(self, what: str) -> None:
        index = self.query_one("#recent", OptionList).highlighted
        if index is not None:
            self.dismiss((what, self.entries[index]))


class SearchField(Input):
    """The search's text field: what does not fit (a long paste, the 41st letter) is said out
    loud, never dropped in silence; as much as fits is kept."""

    class Overflow(Message):
        def __init__(self, dropped: int, kept: int):
            super().__init__()
            self.dropped, self.kept = dropped, kept

    def replace(self, text: str, start: int, end: int) -> None:
        room = self.max_length - (len(self.value) - (max(end, start) - min(end, start)))
        if self.max_length and len(text) > room:
            self.post_message(self.Overflow(len(text) - max(room, 0), max(room, 0)))
            text = text[: max(room, 0)]
            if not text:
                return
        super().replace(text, start, end)


def rank(task: Task, needle: str) -> tuple[int, int] | None:
    """How well ``task`` matches the search (lower is better), or None: the KLE number's start,
    then the name's start, then a word's start, then anywhere in the name, the earlier the
    better ("pens": Folkepension before "Boligsikring, førtidspension")."""
    name = task.name.casefold()
    if task.kle.startswith(needle):
        return (0, 0)
    if name.startswith(needle):
        return (1, 0)
    if any(word.startswith(needle) for word in re.split(r"[\s,./()-]+", name)):
        return (2, name.find(needle))
    if needle in name:
        return (3, name.find(needle))
    return None


class TaskSearch(Dialog):
    """Find a task by KLE number or name: the unit's package first, then the KLE file if set."""

    BINDINGS = [
        _binding("search.cancel", "dismiss(None)", "Tilbage"),
        Binding("down", "move(1)", "Ned", show=False),
        Binding("up", "move(-1)", "Op", show=False),
    ]

    def __init__(self, config: Config, unit: Unit):
        super().__init__()
        self.config, self.unit = config, unit
        self.catalogue = _catalogue(config.kle_file)
        self.hits: list[Task] = []
        self.cut = ""  # what the last paste lost, said until the next change of the text

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog search"):
            yield Static("Søg opgave: skriv KLE-nummer eller navn", classes="dialog-title", markup=False)
            yield SearchField(placeholder="fx 23.05 eller flyt", id="query", max_length=SEARCH_MAX)
            yield OptionList(id="hits")
            yield Static("", id="search-note", classes="dialog-note", markup=False)
            yield self.dropped_line()

    def on_mount(self) -> None:
        self.query_one("#query", Input).cursor_blink = False
        self.update_hits("")

    @on(Input.Changed)
    def changed(self, event: Input.Changed) -> None:
        self.update_hits(event.value)

    def update_hits(self, text: str) -> None:
        needle = text.strip().casefold()
        tasks = self.unit.tasks()
        if needle:
            ranked = [(r, i, t) for i, t in enumerate(tasks) if (r := rank(t, needle)) is not None]  # noqa: E501
            hits = [t for _, _, t in sorted(ranked, key=lambda x: (x[0], x[1]))]
        else:
            hits = list(tasks)
        if self.catalogue and needle:
            known = {t.kle for t in hits}
            hits += [Task(e.number, e.title) for e in self.catalogue.search(needle)
                     if e.number.count(".") == 2 and e.number not in known and not e.retired]
        self.hits = hits[:30]
        self.searching = bool(needle)
        options = self.query_one("#hits", OptionList)
        options.clear_options()
        options.add_options([Option(Text(f"{t.kle}  {t.name}")) for t in self.hits])
        if self.hits:
            options.highlighted = 0
            note = ("Pil op/ned vælger · Enter = brug opgaven · Esc = tilbage" if needle else
                    "Skriv navn eller KLE-nummer · Esc = tilbage")
        else:
            note = (f"Ingen opgave passer til \"{text.strip()}\". Prøv et KLE-nummer (fx 23.05) "
                    "eller en del af navnet. Esc = tilbage")
        # The overflow comes just before the change it cut: say both, the cut first.
        note, self.cut = f"{self.cut} {note}" if self.cut else note, ""
        self.query_one("#search-note", Static).update(note)

    @on(SearchField.Overflow)
    def overflow(self, event: SearchField.Overflow) -> None:
        cut = f"Søgningen kan højst være {SEARCH_MAX} tegn: {event.dropped} tegn kom ikke med."
        self.query_one("#search-note", Static).update(f"{cut} Esc = tilbage")
        if event.kept:  # a change follows: its note says the cut too
            self.cut = cut

    def action_move(self, step: int) -> None:
        options = self.query_one("#hits", OptionList)
        if self.hits:
            options.highlighted = max(0, min(len(self.hits) - 1, (options.highlighted or 0) + step))

    @on(Input.Submitted)
    def submitted(self) -> None:
        if not getattr(self, "searching", False):
            # Enter on an empty search picks nothing: the first task is not what anyone meant.
            self.query_one("#search-note", Static).update(
                "Skriv noget først: en del af navnet eller et KLE-nummer. Esc = tilbage")
            return
        index = self.query_one("#hits", OptionList).highlighted
        if self.hits and index is not None:
            self.dismiss(self.hits[index])

    @on(OptionList.OptionSelected)
    def selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.hits[event.option_index])


def rules(labels: dict[str, str], width: int = HELP_WIDTH) -> list[str]:
    """The counting rules staff ask about (domain reference §5), wrapped to the help's width."""
    points = [
        "Én registrering pr. opgave: to sager er to registreringer, også når borgeren spørger om "
        f"begge på én gang ({labels['register.next']} = samme borger, næste opgave).",
        "Den, der afslutter henvendelsen, registrerer den. Et viderestillet opkald registreres "
        "ikke også af omstillingen.",
        "En telefonbesked er én indgående; når du ringer tilbage, er det én udgående.",
        'En blanket er aldrig en henvendelse for sig: den er "blanket JA" på den henvendelse, den '
        f"kom med (tryk {labels['register.blanket']} før typen).",
        "Interne henvendelser, private opkald, spam og nyhedsbreve tælles ikke.",
        "FEJL er kun sager, der hører til en anden myndighed eller kommune. En anden afdeling i "
        "kommunen er ikke FEJL.",
        "Mange ens henvendelser (fx et udsendt brev) kan gemmes som ét parti: "
        f"{labels['register.batch']} antal Enter, derefter opgave og type.",
        f"HOLD (tast {labels['register.hold']}) betyder, at sagen skal behandles videre; ellers er "
        "den STRAKS.",
    ]
    lines = ["Sådan tæller vi"]
    for point in points:
        lines += textwrap.wrap(point, max(width, 8), initial_indent="- ", subsequent_indent="  ")
    return lines


def _hanging(key: str, key_width: int, what: str, width: int) -> list[str]:
    """`` key  what``, the text wrapped under itself (never back under the key)."""
    head = f" {render.pad(key, key_width)}  "
    indent = len(head) if width - len(head) >= 16 else 3
    first = textwrap.wrap(what, max(width - len(head), 8))
    if indent == len(head):
        return [head + first[0], *(" " * indent + line for line in first[1:])]
    return [head.rstrip(), *textwrap.wrap(what, max(width - indent, 8), initial_indent=" " * indent,
                                          subsequent_indent=" " * indent)]


def key_help(config: Config, width: int = HELP_WIDTH) -> list[str]:
    """The desk's keys with what they do, after the config's remapping."""
    labels = render.key_labels(config)
    some_unit = next(iter(config.units.values()), None)
    task_keys = render.task_key_range(some_unit.keys) if some_unit else "1-9"  # the same in every unit
    if cell_len(task_keys) > 12:  # the key column's width: letters beside the tasks
        task_keys = "1-9, bogst."
    rows = [
        (task_keys, "trin 1: vælg opgave (en gruppe åbner sine opgaver)"),
        (" ".join(k for k, _ in render.type_keys(config)), "trin 2: vælg type; så gemmes det"),
        (labels["register.hold"] + ", " + labels["register.blanket"],
         "før typen: HOLD / blanket JA for denne"),
        ("1-9, 0", "trin 3: svar på lokale spørgsmål (0 = spring over)"),
        (labels["register.repeat"], "gentag seneste (vises først; tryk igen for at gemme)"),
        (labels["register.next"], "samme borger, næste opgave (kanal, HOLD, blanket, svar)"),
        (labels["register.batch"], "antal: + tal Enter, så gemmes næste som et parti"),
        (labels["register.cancel"], "ryd: den halve registrering slettes, intet gemmes"),
        (labels["register.channel"], "skift fast kanal"),
        (labels["register.search"], "søg opgave efter KLE-nummer eller navn"),
        (labels["register.undo"], "annullér: vælg blandt dine seneste registreringer"),
        (labels["register.restore"], "genskab det, du lige har annulleret"),
        (labels["register.panel"], "vis/skjul tallene til højre"),
        (labels["register.numbers"], "vis/skjul KLE-numre i listen"),
        (labels["app.quit"], "afslut"),
    ]
    key_width = min(max(cell_len(k) for k, _ in rows), 12)
    lines = []
    for key, what in rows:
        lines += _hanging(key, key_width, what, width)
    lines += [""] + textwrap.wrap("Samme tast to gange hurtigt efter hinanden (under et sekund) tæller én "
                           "gang: en holdt eller prellende tast gemmer aldrig to gange.", max(width, 8))
    return lines


class Help(Dialog):
    BINDINGS = [_binding("help.close", "dismiss(None)", "Luk")]

    def __init__(self, config: Config, task: Task | None):
        super().__init__()
        self.config, self.chosen = config, task

    def text_width(self) -> int:
        """The text's width in this terminal: the dialog (78 at most) less border, padding and
        the scrollbar (none in console mode), so the widget never wraps a line itself."""
        scrollbar = 0 if self.app.has_class("-console") else 2
        return max(min(78, self.app.size.width) - 6 - scrollbar - 2, 8)

    def compose(self) -> ComposeResult:
        width = self.text_width()
        lines = []
        if self.chosen:
            lines += textwrap.wrap(f"Valgt opgave: {self.chosen.kle} {self.chosen.name}", width)
            catalogue = _catalogue(self.config.kle_file)
            title = catalogue.title(self.chosen.kle) if catalogue else None
            if title:
                lines += textwrap.wrap(f"KLE: {title}", width)
            lines.append("")
        lines.append("Taster")
        lines += key_help(self.config, width)
        lines += ["", "Typer (trin 2)"]
        for key, code in render.type_keys(self.config):
            task_type = self.config.codebook.types[code]
            # Wrapped here, at the width the dialog has: never by the widget.
            lines += _hanging(f"{key}  {code}", 10, f"{task_type.name}: {task_type.description}", width)
        labels = render.key_labels(self.config)
        lines += ["", *rules(labels, width)]
        with VerticalScroll(classes="dialog help"):
            yield Static("\n".join(lines), markup=False)
        yield self.dropped_line()
        yield Static(f"{labels['help.close'].replace('/', ', ')} lukker hjælpen · pil op/ned ruller",
                     classes="dialog-note help-note", markup=False)


@dataclass
class PinAttempts:
    """Wrong PINs in this process: after three, each try waits longer (5 s, 10 s, 20 s … 5 min)."""

    wrong: int = 0
    blocked_until: datetime | None = None

    def wait(self, now: datetime) -> int:
        """Seconds left before the next try is allowed (0: try now)."""
        if self.blocked_until is None or now >= self.blocked_until:
            return 0
        return math.ceil((self.blocked_until - now).total_seconds())

    def failed(self, now: datetime) -> None:
        self.wrong += 1
        if self.wrong >= PIN_FREE_TRIES:
            delay = min(5 * 2 ** (self.wrong - PIN_FREE_TRIES), 300)
            self.blocked_until = now + timedelta(seconds=delay)


class PinPrompt(Dialog):
    """Leaving the locked kiosk: the coordinator's PIN, checked against the config's hash.
    Every try is logged to the journal (never the PIN itself)."""

    BINDINGS = [_binding("pin.cancel", "dismiss(False)", "Tilbage")]

    def __init__(self, pin_hash: str | None):
        super().__init__()
        self.pin_hash = pin_hash

    @property
    def attempts(self) -> PinAttempts:
        # Kept on the app, not the dialog: closing and reopening it must not reset the count.
        return self.app.__dict__.setdefault("_pin_attempts", PinAttempts())

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Afslut kiosken: tovholderens PIN", classes="dialog-title", markup=False)
            if self.pin_hash:
                yield Input(password=True, id="pin", max_length=PIN_MAX)
                yield Static("Enter = afslut · Esc = tilbage til registreringen", id="pin-note",
                             classes="dialog-note", markup=False)
            else:
                yield Static("Der er ingen PIN i konfigurationen ([koordinator] pin), så kiosken "
                             "kan kun stoppes med systemctl. Esc = tilbage.", classes="dialog-note",
                             markup=False)
            yield self.dropped_line()

    def on_mount(self) -> None:
        if self.pin_hash:
            self.query_one("#pin", Input).cursor_blink = False

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        now = self.app.clock()
        attempts = self.attempts
        station = getattr(self.app.store, "station", "?")
        note = self.query_one("#pin-note", Static)
        event.input.value = ""
        wait = attempts.wait(now)
        if wait:
            LOG.warning("PIN-forsøg afvist under ventetid (station %s, %d forkerte)", station, attempts.wrong)
            note.update(f"For mange forkerte forsøg. Vent {wait} sekunder. Esc = tilbage")
            return
        if check_pin(event.value, self.pin_hash):
            LOG.info("PIN korrekt: kiosken afsluttes (station %s)", station)
            attempts.wrong, attempts.blocked_until = 0, None
            self.dismiss(True)
            return
        attempts.failed(now)
        LOG.warning("Forkert PIN, forsøg %d (station %s)", attempts.wrong, station)
        wait = attempts.wait(now)
        after = f" Næste forsøg om {wait} sekunder." if wait else ""
        note.update(f"Forkert PIN ({attempts.wrong}).{after} Enter = prøv igen · Esc = tilbage")
