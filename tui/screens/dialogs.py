"""Modal dialogs: unit picker, channel picker, confirm, task search and help. Keyboard only."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from storage.config import Config, Task, Unit
from storage.kle import KleCatalogue, load_catalogue
from storage.pin import check_pin

from ..render import type_keys

NUMBER_KEYS = "123456789abcdefghijklmnopqrstuvwxyz"


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

    BINDINGS = [Binding("escape", "dismiss(None)", "Tilbage", id="dialog.cancel")]

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
    def __init__(self, config: Config):
        super().__init__(
            "Hvilken enhed registrerer du for?",
            [(u.code, f"{u.name} ({u.code})") for u in config.units.values()],
            "Tryk tallet for din enhed. Esc = afslut.",
        )


class ChannelPicker(_Numbered):
    def __init__(self, config: Config, unit: Unit, current: str):
        items = []
        for code in unit.channels:
            channel = config.codebook.channels[code]
            mark = "  (nu)" if code == current else ""
            items.append((code, f"{code:<9} {channel.label}{mark}"))
        super().__init__("Skift kanal (bliver, til du skifter igen)", items)


class Confirm(ModalScreen[bool]):
    BINDINGS = [
        Binding("enter,j,y", "dismiss(True)", "Ja", id="confirm.yes"),
        Binding("escape,n", "dismiss(False)", "Nej", id="confirm.no"),
    ]

    def __init__(self, question: str, yes: str = "Ja", no: str = "Nej"):
        super().__init__()
        self.question, self.yes, self.no = question, yes, no

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.question, markup=False)
            yield Static(f"Enter / j = {self.yes}     Esc / n = {self.no}", classes="dialog-note",
                         markup=False)


class TaskSearch(ModalScreen[Task | None]):
    """Find a task by KLE number or name: the unit's package first, then the KLE file if set."""

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Tilbage", id="search.cancel"),
        Binding("down", "move(1)", "Ned", show=False),
        Binding("up", "move(-1)", "Op", show=False),
    ]

    def __init__(self, config: Config, unit: Unit):
        super().__init__()
        self.config, self.unit = config, unit
        self.catalogue = _catalogue(config.kle_file)
        self.hits: list[Task] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Søg opgave: skriv KLE-nummer eller navn", classes="dialog-title")
            yield Input(placeholder="fx 23.05 eller flyt", id="query")
            yield OptionList(id="hits")
            yield Static("Pil op/ned vælger · Enter = brug opgaven · Esc = tilbage", classes="dialog-note")

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
        options.add_options([Option(f"{t.kle}  {t.name}") for t in self.hits])
        if self.hits:
            options.highlighted = 0

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


RULES = """\
Sådan tæller vi
- Én registrering pr. opgave: en henvendelse om to sager er to registreringer.
- Den, der afslutter henvendelsen, registrerer den. Et viderestillet opkald
  registreres ikke også af omstillingen.
- En telefonbesked er én indgående; når du ringer tilbage, er det én udgående.
- En blanket er aldrig en henvendelse for sig: den er "blanket JA" på den
  henvendelse, den kom med (tryk b før typen).
- Interne henvendelser, private opkald, spam og nyhedsbreve tælles ikke.
- FEJL er kun sager, der hører til en anden myndighed eller kommune. En anden
  afdeling i kommunen er ikke FEJL.
- Mange ens henvendelser (fx et udsendt brev) kan gemmes som ét parti: + antal.
- HOLD (tast h) betyder, at sagen skal behandles videre; ellers er den STRAKS."""


class Help(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark,f1,q", "dismiss(None)", "Luk", id="help.close")]

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
        lines.append("Typer (tast 1-6 i trin 2)")
        for key, code in type_keys(self.config):
            task_type = self.config.codebook.types[code]
            lines.append(f" {key} {code:<8}{task_type.description}")
        lines += ["", RULES]
        with VerticalScroll(classes="dialog help"):
            yield Static("\n".join(lines), markup=False)
        yield Static("Esc, ? eller F1 lukker hjælpen · pil op/ned ruller", classes="dialog-note help-note")


class PinPrompt(ModalScreen[bool]):
    """Leaving the locked kiosk: the coordinator's PIN, checked against the config's hash."""

    BINDINGS = [Binding("escape", "dismiss(False)", "Tilbage", id="pin.cancel")]

    def __init__(self, pin_hash: str | None):
        super().__init__()
        self.pin_hash = pin_hash
        self.tries = 0

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Afslut kiosken: tovholderens PIN", classes="dialog-title")
            if self.pin_hash:
                yield Input(password=True, id="pin")
                yield Static("Enter = afslut · Esc = tilbage til registreringen", id="pin-note",
                             classes="dialog-note")
            else:
                yield Static("Der er ingen PIN i konfigurationen ([koordinator] pin), så kiosken "
                             "kan kun stoppes med systemctl. Esc = tilbage.", classes="dialog-note",
                             markup=False)

    def on_mount(self) -> None:
        if self.pin_hash:
            self.query_one("#pin", Input).cursor_blink = False

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        if check_pin(event.value, self.pin_hash):
            self.dismiss(True)
            return
        self.tries += 1
        event.input.value = ""
        self.query_one("#pin-note", Static).update(
            f"Forkert PIN ({self.tries}). Enter = prøv igen · Esc = tilbage")
