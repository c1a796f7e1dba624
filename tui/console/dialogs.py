"""The console's dialogs: a reason from the closed list, a cell's detail, a batch of rows."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from storage.hostile import escape
from storage.registration import VOID_REASONS

from ..screens.dialogs import _Numbered


class ReasonPicker(_Numbered):
    """Why a registration or an import is voided: only the codes of VOID_REASONS."""

    def __init__(self, what: str):
        super().__init__(f"Hvorfor annulleres {what}?",
                         [(code, f"{code:<13} {text}") for code, text in VOID_REASONS.items()])


class TextBox(ModalScreen[None]):
    """Plain text in a box (a cell's detail); any of Esc, Enter or q closes it."""

    BINDINGS = [Binding("escape,enter,q", "dismiss(None)", "Luk")]

    def __init__(self, title: str, text: str):
        super().__init__()
        # Unit, station and operator names come from the config and the database.
        self.title_text, self.text = escape(title), escape(text, keep_newlines=True)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.title_text, classes="dialog-title", markup=False)
            yield Static(self.text, markup=False)
            yield Static("Esc = luk", classes="dialog-note", markup=False)


BATCH_FIELDS = (("enhed", "Enhed"), ("opgave", "Opgave (KLE)"), ("kanal", "Kanal"),
                ("type", "Type"), ("antal", "Antal"), ("tid", "Tid (dd-mm-åååå TT:MM)"))


class BatchForm(ModalScreen[dict | None]):
    """Rows for a unit from paper or a mass mailing: the fields, Enter moves on, Enter in the
    last one saves (after the checks in tui.console.registrations), Esc cancels."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Tilbage")]

    def __init__(self, defaults: dict[str, str]):
        super().__init__()
        self.defaults = defaults

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog batch"):
            yield Static("Indtast et parti (papir, masseudsendelse)", classes="dialog-title",
                         markup=False)
            for name, label in BATCH_FIELDS:
                yield Static(label, markup=False)
                yield Input(self.defaults.get(name, ""), id=f"b-{name}", max_length=40)
            yield Static("Enter = næste felt; Enter i sidste = gem. Esc = tilbage.",
                         classes="dialog-note", markup=False)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        names = [n for n, _ in BATCH_FIELDS]
        index = names.index(event.input.id.removeprefix("b-"))
        if index + 1 < len(names):
            self.query_one(f"#b-{names[index + 1]}", Input).focus()
            return
        self.dismiss({n: self.query_one(f"#b-{n}", Input).value.strip() for n in names})
