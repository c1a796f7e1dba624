"""Importer: the imports with file, rows, who and when; undo one with a reason (void rows,
Store.undo_import); check a file (the CLI's ``import --kontroller`` report) and import it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Input, Static

from storage.timeutil import from_stored
from storage.wording import rows

from . import cli_bridge
from .base import ModeScreen, plain
from .export import refusal_text


class ImportsScreen(ModeScreen):
    MODE = "importer"
    TITLE = "Importer"
    KEYS = "/ = fil  k = kontrollér filen  i = importér den  f = fortryd valgt import"
    BINDINGS = [
        Binding("slash", "path", "Fil", show=False),
        Binding("k", "check", "Kontrollér", show=False),
        Binding("i", "load", "Importér", show=False),
        Binding("f", "undo", "Fortryd", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.records = []

    def body(self) -> ComposeResult:
        yield DataTable(id="i-list", cursor_type="row")
        yield Input(placeholder="sti til filen, der skal kontrolleres eller importeres", id="i-path",
                    max_length=4096)
        with VerticalScroll(id="i-report-box"):
            yield Static("", id="i-report", markup=False)

    def on_mount(self) -> None:
        table = self.query_one("#i-list", DataTable)
        # Numbered as import --liste numbers them (import --fortryd N); "Gælder": live rows now.
        # "Gælder" says "fortrudt" for an undone import, as import --liste does.
        for label, width in (("Nr", 3), ("Fil", 23), ("Rækker", 7), ("Gælder", 8), ("Hvem", 10),
                             ("Hvornår", 16)):
            table.add_column(label, width=width)
        self.query_one("#i-list", DataTable).focus()

    def reload(self) -> None:
        store = self.app.store
        self.in_thread(store.import_status, self.show)

    def show(self, status) -> None:
        from exports.past_imports import PastImport

        zone = self.app.config.zone
        self.records = [record for record, _ in status]
        table = self.query_one("#i-list", DataTable)
        table.clear()
        for number, (record, live) in enumerate(status, 1):
            made = from_stored(record.created_utc).astimezone(zone)
            undone = PastImport(number, record, live).undone
            table.add_row(str(number), plain(record.file_name[:23]), str(record.row_count),
                          "fortrudt" if undone else str(live),
                          plain(record.operator[:10]), f"{made:%d-%m-%Y %H:%M}", key=record.id)
        self.set_title(f"Importer · {len(self.records)} filer")

    def action_path(self) -> None:
        self.query_one("#i-path", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one("#i-list", DataTable).focus()  # so i (import) is a key again, not a letter
        self.action_check()

    def _path(self) -> str | None:
        path = self.query_one("#i-path", Input).value.strip()
        if not path:
            self.message("Skriv filens sti først (/ = fil)", "error")
            self.query_one("#i-path", Input).focus()
            return None
        return path

    def action_check(self) -> None:
        self._run(["--kontroller"])

    def action_load(self) -> None:
        self._run([])

    def _run(self, extra: list[str]) -> None:
        path = self._path()
        if path is None:
            return
        location = self.app.location
        self.message("Læser filen …")
        self.in_thread(lambda: cli_bridge.run(["import", f"{path}", *extra, "--stille"], location),
                       self._ran, group="write")

    def _ran(self, outcome: cli_bridge.Outcome) -> None:
        self.query_one("#i-report", Static).update(
            (outcome.text + ("\n" + outcome.errors if outcome.errors else "")).strip())
        if outcome.code == 0:
            self.message("Færdig.", "ok")
        else:
            self.message(refusal_text(outcome.errors), "error")
        self.reload()

    def action_undo(self) -> None:
        from .dialogs import ReasonPicker

        table = self.query_one("#i-list", DataTable)
        if not self.records or table.row_count == 0:
            return
        record = self.records[table.cursor_row]
        self.app.push_screen(ReasonPicker(f"importen {record.file_name}"),
                             lambda reason: self._confirm(record, reason) if reason else None)

    def _confirm(self, record, reason: str) -> None:
        from ..screens.dialogs import Confirm

        self.app.push_screen(
            Confirm(f"Annullér alle {rows(record.row_count)} fra {record.file_name}?\n\n"
                    f"Årsag: {reason}", "Ja, fortryd importen", "Nej"),
            lambda yes: self._undo(record, reason) if yes else None)

    def _undo(self, record, reason: str) -> None:
        store = self.app.store

        def done(undone) -> None:
            self.message(f"Importen {record.file_name} er fortrudt: {rows(undone.voided)} annulleret "
                         f"({reason})", "ok")
            self.reload()

        self.in_thread(lambda: store.undo_import(record.id, reason), done, group="write")
