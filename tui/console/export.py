"""Eksport: choose layout and selection, see the check report, write the Landkort file, the
Excel file or the report folder, through the CLI's own handlers (same refusals), with progress."""

from __future__ import annotations

import threading

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import ScrollableContainer
from textual.widgets import Input, ProgressBar, Static

from . import cli_bridge
from .base import ModeScreen

LAYOUTS = {
    "1": ("Landkort, upload", ["eksport", "landkort", "--format", "upload"]),
    "2": ("Landkort, rådata", ["eksport", "landkort", "--format", "raadata"]),
    "3": ("Excel", ["eksport", "excel"]),
    "4": ("Rapportmappe", ["rapport"]),
}


# The CLI's options in its refusals, said as this screen's keys and fields.
CONSOLE_WORDS = (("brug --overskriv", "tryk o (overskriv)"), ("--overskriv", "o (overskriv)"),
                 ("med --ud", "i feltet for fil eller mappe"))


def console_words(text: str) -> str:
    for cli, console in CONSOLE_WORDS:
        text = text.replace(cli, console)
    return text


def refusal_text(errors: str) -> str:
    """The CLI's refusal for the message line: the last paragraph whole (warnings come before
    it), in the console's words."""
    text = errors.strip()
    return console_words(text.split("\n\n")[-1]) if text else "Afvist"


class ScreenProgress:
    """exports.progress.Progress for the console: the bar is moved on the UI thread."""

    def __init__(self, screen: ExportScreen):
        self.screen = screen
        self.lock = threading.Lock()

    def start(self, label: str, total: int | None) -> None:
        self.screen.app.call_from_thread(self.screen.progress_start, label, total)

    def advance(self, rows: int) -> None:
        self.screen.app.call_from_thread(self.screen.progress_advance, rows)

    def stop(self) -> None:
        pass

    def __enter__(self) -> ScreenProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class ExportScreen(ModeScreen):
    MODE = "eksport"
    TITLE = "Eksport"
    KEYS = "1-4 = format  / = udvalg  k = kontrollér  s = skriv  o = overskriv: nej"
    BINDINGS = [
        Binding("1", "layout('1')", "", show=False),
        Binding("2", "layout('2')", "", show=False),
        Binding("3", "layout('3')", "", show=False),
        Binding("4", "layout('4')", "", show=False),
        Binding("slash", "selection", "Udvalg", show=False),
        Binding("k", "check", "Kontrollér", show=False),
        Binding("s", "write", "Skriv", show=False),
        Binding("o", "overwrite", "Overskriv", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.chosen = "1"
        self.overwrite = False

    def body(self) -> ComposeResult:
        yield Static("", id="e-choice", markup=False)
        yield Input(placeholder="--uge 2026-W43 [--enhed E …] [--datakilde K …]", id="e-selection",
                    max_length=200)
        yield Input(placeholder="fil eller mappe, der skal skrives", id="e-target", max_length=4096)
        yield ProgressBar(id="e-progress", show_eta=False)
        with ScrollableContainer(id="e-box"):
            yield Static("", id="e-report", markup=False)

    def on_mount(self) -> None:
        from exports.coverage import chosen_week

        first, _, _ = chosen_week(self.app.config, self.app.today())
        year, week, _ = first.isocalendar()
        self.query_one("#e-selection", Input).value = f"--uge {year}-W{week:02d}"
        self._show_choice()
        # Hidden until a file is written: an idle bar without a total animates for ever.
        self.query_one("#e-progress", ProgressBar).display = False
        self.query_one("#e-box", ScrollableContainer).focus()

    def _show_choice(self) -> None:
        parts = [f"[{key}] {name}" if key == self.chosen else f" {key}  {name}"
                 for key, (name, _) in LAYOUTS.items()]
        self.query_one("#e-choice", Static).update("  ".join(parts))
        # The overwrite state stays in sight on the key line.
        self.query_one("#c-keys", Static).update(
            self.KEYS.replace("overskriv: nej", f"overskriv: {'JA' if self.overwrite else 'nej'}"))

    def action_layout(self, key: str) -> None:
        self.chosen = key
        self._show_choice()

    def action_overwrite(self) -> None:
        self.overwrite = not self.overwrite
        self._show_choice()
        self.message("Eksisterende filer erstattes ved s (skriv)" if self.overwrite
                     else "Eksisterende filer erstattes ikke", "error" if self.overwrite else "")

    def action_selection(self) -> None:
        self.query_one("#e-selection", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "e-selection":
            self.query_one("#e-target", Input).focus()
        else:
            self.query_one("#e-box", ScrollableContainer).focus()

    def action_check(self) -> None:
        if self.chosen in ("1", "2"):
            self._run(["--kontroller"], with_target=False)
        else:
            self.message("Kontrolrapporten hører til Landkort-filen (1 eller 2)", "error")

    def action_write(self) -> None:
        self._run(["--overskriv"] if self.overwrite else [], with_target=True)

    def _run(self, extra: list[str], *, with_target: bool) -> None:
        name, command = LAYOUTS[self.chosen]
        words = self.query_one("#e-selection", Input).value.split()
        target = self.query_one("#e-target", Input).value.strip()
        if with_target and not target:
            self.message("Skriv filens eller mappens navn først", "error")
            self.query_one("#e-target", Input).focus()
            return
        argv = [*command, *words, *extra, *([f"--ud={target}"] if with_target else []), "--stille"]
        if command[0] == "rapport":
            argv.remove("--stille")
        location = self.app.location
        progress = ScreenProgress(self)
        self.message(f"{name}: arbejder …")
        self.in_thread(lambda: cli_bridge.run(argv, location, progress=progress), self.show,
                       group="export")

    def progress_start(self, label: str, total: int | None) -> None:
        bar = self.query_one("#e-progress", ProgressBar)
        bar.display = True
        bar.update(total=total, progress=0)

    def progress_advance(self, rows: int) -> None:
        self.query_one("#e-progress", ProgressBar).advance(rows)

    def show(self, outcome: cli_bridge.Outcome) -> None:
        self.query_one("#e-progress", ProgressBar).display = False
        text = (outcome.text + ("\n" + outcome.errors if outcome.errors else "")).strip()
        self.query_one("#e-report", Static).update(console_words(text))
        if outcome.code == 0:
            self.message("Færdig.", "ok")
        else:
            self.message(refusal_text(outcome.errors), "error")
