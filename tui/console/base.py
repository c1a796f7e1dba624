"""What every mode of the console shares: a title line, the body, a key line, a message line and
the footer with the mode keys; reads in a worker thread, their result drawn on the UI thread."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static

from storage.errors import TaelleugeError
from storage.hostile import escape


def plain(value: object) -> Text:
    """A value from the config, an import or the database as a table cell: never markup, never
    a terminal control."""
    return Text(escape(str(value)))


def mode_line(current: str) -> Text:
    """The footer: one key per mode, the current one marked. A Static of our own: Textual's
    Footer rebuilt and restyled its key widgets on every mode switch (~40 ms of each)."""
    from .app import MODE_KEYS

    line = Text()
    for key, mode, label in MODE_KEYS:
        line.append(f" {key.upper()} ", style="bold reverse" if mode == current else "bold")
        line.append(f"{label} ", style="reverse" if mode == current else "")
    line.append(" Ctrl+Q ", style="bold")
    line.append("Afslut")
    return line


class ModeScreen(Screen):
    # Esc leaves a text field for the mode's list (the app has no Tab bindings: keyboard only,
    # every field is reached by its own key).
    BINDINGS = [Binding("escape", "leave_field", "Tilbage", show=False)]
    MODE = ""  # the app's name of this mode
    TITLE = ""
    KEYS = ""  # the mode's own keys, one line (the footer holds the mode keys)

    def compose(self) -> ComposeResult:
        yield Static(self.TITLE, id="c-title", markup=False)
        yield from self.body()
        yield Static(self.KEYS, id="c-keys", markup=False)
        yield Static("", id="c-message", markup=False)
        yield Static(mode_line(self.MODE), id="c-footer")

    def body(self) -> ComposeResult:
        yield from ()

    def action_leave_field(self) -> None:
        from textual.containers import ScrollableContainer
        from textual.widgets import DataTable

        for widget in (*self.query(DataTable), *self.query(ScrollableContainer)):
            widget.focus()
            return

    def on_screen_resume(self) -> None:
        self.reload()

    def reload(self) -> None:
        """Read the mode's data in a worker thread (a newer read replaces an older one)."""

    def in_thread(self, read: Callable[[], Any], show: Callable[[Any], None], *,
                  group: str = "read") -> None:
        def work() -> None:
            try:
                data = read()
            except TaelleugeError as error:
                self.app.call_from_thread(self.message, str(error), "error")
                return
            self.app.call_from_thread(show, data)

        self.run_worker(work, thread=True, exclusive=True, group=group, exit_on_error=False)

    def message(self, text: str, kind: str = "") -> None:
        line = self.query_one("#c-message", Static)
        line.set_classes(f"-{kind}" if kind else "")
        line.update(escape(text, keep_newlines=True))

    def set_title(self, text: str) -> None:
        self.query_one("#c-title", Static).update(escape(text))
