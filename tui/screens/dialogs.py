"""Modal dialogs: unit picker, channel picker, confirm, the Seneste list, task search, help, PIN.

Keyboard only. Every text that comes from the config or the database is shown as plain text
(``Static(markup=False)``, ``rich.text.Text`` options), never parsed as Textual markup.
"""

from __future__ import annotations

import logging
import math
import textwrap
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from storage.config import Config, Task, Unit
from storage.keys import DEFAULT_KEYS
from storage.kle import KleCatalogue, load_catalogue
from storage.pin import check_pin

from .. import render
from ..panel_data import RecentEntry

NUMBER_KEYS = "123456789abcdefghijklmnopqrstuvwxyz"
KEY_REPEAT = timedelta(milliseconds=150)  # the same key again within this is a held or bounced key
SEARCH_MAX = 40  # characters: a KLE number or part of a name
PIN_MAX = 64
PIN_FREE_TRIES = 3
HELP_WIDTH = 68  # the help's text width at 80 columns (78 wide, border, padding, scrollbar)  # then a growing wait before the next try
LOG = logging.getLogger("taelleuge")


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


class _Numbered(ModalScreen[str | None]):
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


class Confirm(ModalScreen[bool]):
    """A yes/no question. Yes is ``j`` (or ``y``), never Enter or a digit: a held Enter or a
    bounced key cannot answer it, and a key repeated within 150 ms is ignored."""

    BINDINGS = [
        _binding("confirm.yes", "dismiss(True)", "Ja"),
        _binding("confirm.no", "dismiss(False)", "Nej"),
    ]

    def __init__(self, question: str, yes: str = "Ja", no: str = "Nej", *,
                 opened_by: tuple[str, datetime] | None = None):
        super().__init__()
        self.question, self.yes, self.no = question, yes, no
        self._previous = opened_by  # the key that opened the dialog, and when

    def compose(self) -> ComposeResult:
        labels = render.key_labels(self.app.config)
        with Vertical(classes="dialog"):
            yield Static(self.question, markup=False)
            yield Static(f"{labels['confirm.yes']} = {self.yes}     {labels['confirm.no']} = {self.no}",
                         classes="dialog-note", markup=False)

    def on_key(self, event) -> None:
        now = self.app.clock()
        previous, self._previous = self._previous, (event.key, now)
        if previous and previous[0] == event.key and timedelta(0) <= now - previous[1] < KEY_REPEAT:
            event.stop()  # held down or bounced: not an answer


class RecentList(ModalScreen[tuple[str, RecentEntry] | None]):
    """This user's last entries at this station: pick one to void it, or to go on with the same
    citizen's next task."""

    BINDINGS = [
        _binding("recent.void", "choose('void')", "Annullér", priority=True),
        _binding("recent.next", "choose('next')", "Samme borger", priority=True),
        _binding("recent.cancel", "dismiss(None)", "Tilbage"),
    ]

    def __init__(self, config: Config, entries: list[RecentEntry]):
        super().__init__()
        self.config, self.entries = config, entries

    def compose(self) -> ComposeResult:
        labels = render.key_labels(self.config)
        with Vertical(classes="dialog recent"):
            yield Static("Seneste registreringer, du har lavet her", classes="dialog-title", markup=False)
            yield OptionList(*[Option(self._line(e)) for e in self.entries], id="recent")
            yield Static(f"Pil op/ned · {labels['recent.void']} = annullér · "
                         f"{labels['recent.next']} = samme borger · {labels['recent.cancel']} = tilbage",
                         classes="dialog-note", markup=False)

    def _line(self, entry: RecentEntry) -> Text:
        line = render.recent_line(self.config, entry, 50) + f"  {entry.kanal}"
        return Text(line, style="strike dim" if entry.voided else "")

    def on_mount(self) -> None:
        options = self.query_one("#recent", OptionList)
        options.highlighted = 0
        options.focus()

    def action_choose(self, what: str) -> None:
        index = self.query_one("#recent", OptionList).highlighted
        if index is not None:
            self.dismiss((what, self.entries[index]))


class TaskSearch(ModalScreen[Task | None]):
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

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog search"):
            yield Static("Søg opgave: skriv KLE-nummer eller navn", classes="dialog-title", markup=False)
            yield Input(placeholder="fx 23.05 eller flyt", id="query", max_length=SEARCH_MAX)
            yield OptionList(id="hits")
            yield Static("", id="search-note", classes="dialog-note", markup=False)

    def on_mount(self) -> None:
        self.query_one("#query", Input).cursor_blink = False
        self.update_hits("")

    @on(Input.Changed)
    def changed(self, event: Input.Changed) -> None:
        self.update_hits(event.value)

    def update_hits(self, text: str) -> None:
        needle = text.strip().casefold()
        tasks = self.unit.tasks()
        hits = [t for t in tasks if not needle or t.kle.startswith(needle) or needle in t.name.casefold()]
        if self.catalogue and needle:
            known = {t.kle for t in hits}
            hits += [Task(e.number, e.title) for e in self.catalogue.search(needle)
                     if e.number.count(".") == 2 and e.number not in known and not e.retired]
        self.hits = hits[:30]
        options = self.query_one("#hits", OptionList)
        options.clear_options()
        options.add_options([Option(Text(f"{t.kle}  {t.name}")) for t in self.hits])
        if self.hits:
            options.highlighted = 0
            note = "Pil op/ned vælger · Enter = brug opgaven · Esc = tilbage"
        else:
            note = (f"Ingen opgave passer til \"{text.strip()}\". Prøv et KLE-nummer (fx 23.05) "
                    "eller en del af navnet. Esc = tilbage")
        self.query_one("#search-note", Static).update(note)

    def action_move(self, step: int) -> None:
        options = self.query_one("#hits", OptionList)
        if self.hits:
            options.highlighted = max(0, min(len(self.hits) - 1, (options.highlighted or 0) + step))

    @on(Input.Submitted)
    def submitted(self) -> None:
        index = self.query_one("#hits", OptionList).highlighted
        if self.hits and index is not None:
            self.dismiss(self.hits[index])

    @on(OptionList.OptionSelected)
    def selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.hits[event.option_index])


def rules(labels: dict[str, str]) -> list[str]:
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
        lines += textwrap.wrap(point, HELP_WIDTH, initial_indent="- ", subsequent_indent="  ")
    return lines


def key_help(config: Config) -> list[str]:
    """The desk's keys with what they do, after the config's remapping."""
    labels = render.key_labels(config)
    rows = [
        ("1-9, a-z", "trin 1: vælg opgave (en gruppe åbner sine opgaver)"),
        (" ".join(k for k, _ in render.type_keys(config)), "trin 2: vælg type; så gemmes det"),
        (labels["register.hold"] + ", " + labels["register.blanket"], "trin 2: HOLD / blanket JA for denne"),
        ("1-9, 0", "trin 3: svar på lokale spørgsmål (0 = spring over)"),
        (labels["register.repeat"], "gentag seneste (vises først; tryk igen for at gemme)"),
        (labels["register.next"], "samme borger, næste opgave (kanal, HOLD, blanket)"),
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
    width = max(len(k) for k, _ in rows)
    return [f" {k:<{width}}  {what}" for k, what in rows]


class Help(ModalScreen[None]):
    BINDINGS = [_binding("help.close", "dismiss(None)", "Luk")]

    def __init__(self, config: Config, task: Task | None):
        super().__init__()
        self.config, self.chosen = config, task

    def compose(self) -> ComposeResult:
        lines = []
        if self.chosen:
            lines.append(f"Valgt opgave: {self.chosen.kle} {self.chosen.name}")
            catalogue = _catalogue(self.config.kle_file)
            title = catalogue.title(self.chosen.kle) if catalogue else None
            if title:
                lines.append(f"KLE: {title}")
            lines.append("")
        lines.append("Taster")
        lines += key_help(self.config)
        lines += ["", "Typer (trin 2)"]
        for key, code in render.type_keys(self.config):
            task_type = self.config.codebook.types[code]
            # Wrapped here, at a width the dialog holds at 80 columns: never by the widget.
            lines += textwrap.wrap(f"{task_type.name}: {task_type.description}", HELP_WIDTH,
                                   initial_indent=f" {key}  {code:<8}", subsequent_indent=" " * 13)
        labels = render.key_labels(self.config)
        lines += ["", *rules(labels)]
        with VerticalScroll(classes="dialog help"):
            yield Static("\n".join(lines), markup=False)
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


class PinPrompt(ModalScreen[bool]):
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
