"""The registration screen: a task key, then a type key, and the contact is saved.

All database work runs in thread workers that never touch widgets; they post messages, and the
handlers here own every widget update. A failed write keeps its entry (same UUIDs, so a retry can
never double-count) until it is saved or the user gives it up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Static

from storage.config import TASK_KEYS, Group, Task, Unit
from storage.describe import describe
from storage.errors import DatabaseBusy, Refusal
from storage.registration import Entry, Registration, new_entry

from .. import render
from ..entry_state import EntryState
from ..panel_data import PanelData, load_panel
from ..widgets.text_lines import TextLines

DOUBLE_PRESS = timedelta(seconds=1.5)
WAITING_AFTER = 0.3  # seconds before a slow write shows "venter"
RETRY_AFTER = 2.0  # seconds between automatic retries while the database stays locked
# Other stations of the unit write too: re-read the panel's totals this often (seconds).
PANEL_REFRESH = 20


class Saved(Message):
    def __init__(self, entry: Entry, when: datetime, latest: list[tuple[Registration, int]] | None):
        super().__init__()
        self.entry, self.when, self.latest = entry, when, latest


class WriteFailed(Message):
    def __init__(self, entry: Entry, error: str, busy: bool = False):
        super().__init__()
        self.entry, self.error, self.busy = entry, error, busy


class PanelLoaded(Message):
    def __init__(self, panel: PanelData, seq: int):
        super().__init__()
        self.panel, self.seq = panel, seq


class UndoCandidate(Message):
    def __init__(self, row: Registration | None, ids: list[str]):
        super().__init__()
        self.row, self.ids = row, ids


class Undone(Message):
    def __init__(self, rows: list[Registration], panel: PanelData | None):
        super().__init__()
        self.rows, self.panel = rows, panel


class Restored(Message):
    def __init__(self, count: int, panel: PanelData | None):
        super().__init__()
        self.count, self.panel = count, panel


class PanelFailed(Message):
    """The panel's numbers could not be read: said in the panel, so a "Gemt" line stays."""

    def __init__(self, error: str):
        super().__init__()
        self.error = error


class StoreFailed(Message):
    def __init__(self, what: str, error: str):
        super().__init__()
        self.what, self.error = what, error


@dataclass
class LastSent:
    """The last entry sent to the database (saved or still waiting), for the double-press guard
    and Enter's repeat."""

    entry: Entry
    when: datetime

    def same_as(self, entry: Entry) -> bool:
        fields = ("enhed", "opgave", "kanal", "type", "afslutning", "blanket", "count", "trial")
        return all(getattr(self.entry, f) == getattr(entry, f) for f in fields)


class RegisterScreen(Screen[None]):
    BINDINGS = [
        Binding("enter", "repeat", "Gentag", id="register.repeat", key_display="Enter"),
        Binding("f2", "channel", "Kanal", id="register.channel", key_display="F2"),
        Binding("plus", "batch", "Antal", id="register.batch"),
        Binding("escape", "cancel", "Tilbage", id="register.cancel", key_display="Esc"),
        Binding("ctrl+u", "undo", "Annullér", id="register.undo", key_display="^U"),
        Binding("ctrl+r", "restore", "Genskab", id="register.restore", show=False),
        Binding("question_mark,f1", "help", "Hjælp", id="register.help"),
        Binding("slash", "search", "Søg", id="register.search"),
        Binding("h", "toggle_hold", "HOLD", id="register.hold", show=False),
        Binding("b", "toggle_blanket", "Blanket", id="register.blanket", show=False),
    ]

    def __init__(self, unit: Unit):
        super().__init__()
        self.unit = unit
        self.state = EntryState(unit, unit.channel)
        self.panel: PanelData | None = None
        self.failed: list[Entry] = []  # writes that failed and wait for a retry, oldest first
        self.last: LastSent | None = None
        self.voided: list[Registration] = []  # the latest undo, for ctrl+r
        self.saves = 0  # own commits so far: a panel read older than the latest one is stale
        self.pending: list[Entry] = []  # sent to the database, no answer yet
        self._shown: dict[str, object] = {}

    @property
    def config(self):
        return self.app.config

    @property
    def store(self):
        return self.app.store

    def compose(self) -> ComposeResult:
        yield Static(id="header", markup=False)
        yield Static(id="entry", markup=False)
        with Horizontal(id="main"):
            yield TextLines(id="choices")
            yield TextLines(id="panel")
        # markup=False: error texts may hold "[...]", which must be shown, not parsed as style.
        yield Static("Vælg opgave med 1-9 / a-z, eller / for at søge.", id="message", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.redraw()
        self.refresh_panel()
        self.set_interval(PANEL_REFRESH, self.refresh_panel)
        if self.app.warning:
            self.say(self.app.warning, "warning")

    # -- drawing ------------------------------------------------------------------------------

    def redraw(self) -> None:
        self._show("#header", render.header(self.config, self.unit, self.panel))
        self._show("#entry", render.entry_line(self.config, self.state))
        choices = self.query_one("#choices", TextLines)
        size = choices.content_size
        choices.set_text(render.choices(self.config, self.state, size.height or 18, size.width or 38))
        self.query_one("#panel", TextLines).set_text(render.panel(self.config, self.unit, self.panel))
        self.set_class(self.panel is not None and self.panel.trial, "-trial")

    def on_resize(self) -> None:
        self.call_after_refresh(self.redraw)

    def _show(self, selector: str, text) -> None:
        # Fixed-size widgets: skip unchanged text and the layout pass, which is most of a
        # frame's cost and sits between the commit and the screen saying "Gemt".
        widget = self.query_one(selector, Static)
        if self._shown.get(selector) != text:
            self._shown[selector] = text
            widget.update(text, layout=False)

    def say(self, text: str, kind: str = "info") -> None:
        message = self.query_one("#message", Static)
        message.update(text, layout=False)
        for state in ("info", "ok", "error", "warning"):
            message.set_class(state == kind, f"-{state}")

    # -- keys ---------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("toggle_hold", "toggle_blanket"):
            # In step 1 "h" and "b" are task keys: disabled here, they fall through to on_key.
            return self.state.step == 2 and self.state.batch_typing is None
        return True

    def on_key(self, event) -> None:
        char = event.character or ""
        state = self.state
        if state.batch_typing is not None:
            if char.isdigit() and len(state.batch_typing) < 5:
                state.batch_typing += char
                event.stop()
                self.redraw()
            return
        if len(char) != 1:
            return
        if state.step == 1 and char in TASK_KEYS:
            event.stop()
            self.pick_task(char)
        elif state.step == 2 and (code := dict(render.type_keys(self.config)).get(char)):
            event.stop()
            self.commit(code)

    def pick_task(self, key: str) -> None:
        self.state.touch(self.app.clock())
        item = self.state.pick(key)
        if item is None:
            self.say(f"Tasten {key} har ingen opgave her. Se listen til venstre.", "warning")
        elif isinstance(item, Group):
            self.say(f"{item.name}: vælg en af opgaverne.")
        else:
            self.say(f"{item.kle} {item.name}: vælg type 1-6 (h = HOLD, b = blanket).")
        self.redraw()

    def choose_task(self, task: Task | None) -> None:
        if task is None:
            return
        self.state.touch(self.app.clock())
        self.state.choose(task)
        self.say(f"{task.kle} {task.name}: vælg type 1-6 (h = HOLD, b = blanket).")
        self.redraw()

    def action_toggle_hold(self) -> None:
        self.state.hold = not self.state.hold
        self.redraw()

    def action_toggle_blanket(self) -> None:
        self.state.blanket = not self.state.blanket
        self.redraw()

    def action_cancel(self) -> None:
        if self.state.back():
            self.say("Fortrudt: intet er gemt for denne.")
        elif self.failed:
            given_up = self.failed.pop()
            left = f" ({len(self.failed)} andre venter stadig)" if self.failed else ""
            self.say(f"Opgivet, IKKE gemt: {render.short(self.config, given_up)}{left}", "warning")
        self.redraw()

    def action_batch(self) -> None:
        self.state.batch_typing = ""
        self.say("Skriv antal og tryk Enter: den næste registrering gemmes så mange gange.")
        self.redraw()

    def action_repeat(self) -> None:
        state = self.state
        if state.batch_typing is not None:
            count = int(state.batch_typing or "1")
            state.batch_typing = None
            if not 1 <= count <= 10_000:
                self.say("Antal skal være fra 1 til 10000.", "error")
            else:
                state.batch = count
                self.say(f"Næste registrering gemmes {count} gange. Vælg opgave.")
            self.redraw()
        elif self.failed:
            for entry in list(self.failed):
                self.write(entry)
        elif state.step == 1 and state.group is None:
            self.repeat_last()

    def repeat_last(self) -> None:
        if self.last is None:
            self.say("Der er ingen registrering at gentage endnu.", "warning")
            return
        now = self.app.clock()
        previous = self.last.entry
        self.submit(
            previous.opgave, previous.type, afslutning=previous.afslutning, blanket=previous.blanket,
            kanal=previous.kanal, count=previous.count, start=now, end=now,
        )

    def commit(self, type_code: str) -> None:
        state = self.state
        now = self.app.clock()
        self.submit(
            state.task.kle, type_code, afslutning="HOLD" if state.hold else "STRAKS",
            blanket="JA" if state.blanket else "NEJ", kanal=state.channel, count=state.batch,
            start=state.started or now, end=now,
        )

    def submit(self, opgave: str, type_code: str, *, afslutning: str, blanket: str, kanal: str,
               count: int, start: datetime, end: datetime) -> None:
        config = self.config
        trial = config.week_of(end.astimezone(config.zone).date()) is None
        try:
            entry = new_entry(
                config, enhed=self.unit.code, opgave=opgave, kanal=kanal, type=type_code,
                afslutning=afslutning, blanket=blanket, start=start, end=end, trial=trial,
                count=count,
            )
        except Refusal as refusal:
            self.say(f"Ikke gemt: {refusal}", "error")
            return
        # No redraw yet: the Saved handler draws once, so the commit is not queued behind a frame.
        self.state.reset()
        # Compared with the last entry *sent*, saved or still waiting: a second press while the
        # database is busy is exactly when a double count would happen.
        previous, self.last = self.last, LastSent(entry, end)
        if previous and previous.same_as(entry) and end - previous.when < DOUBLE_PRESS:
            from .dialogs import Confirm

            self.redraw()
            question = (f"Den samme registrering blev gemt for lidt siden.\n\n"
                        f"{describe(config, entry, entry.count)}\n\nGem den igen?")
            self.app.push_screen(Confirm(question, "Ja, gem igen", "Nej"),
                                 lambda yes: self.write(entry) if yes else self.say("Ikke gemt igen."))
            return
        self.write(entry)

    # -- writes and reads in workers ------------------------------------------------------------

    def write(self, entry: Entry) -> None:
        if entry in self.failed:
            self.failed.remove(entry)  # only this one: other failed entries keep waiting
        self._write(entry)
        # Normally saved within milliseconds; if the database is busy, say that we are waiting.
        self.pending.append(entry)
        self.set_timer(WAITING_AFTER, lambda: self._show_waiting(entry))

    def _show_waiting(self, entry: Entry) -> None:
        if entry in self.pending:
            self.say(f"Gemmer {render.short(self.config, entry)} … venter på databasen", "warning")

    @work(thread=True, group="db-write", exit_on_error=False)
    def _write(self, entry: Entry) -> None:
        try:
            self.store.record(entry)
        except Exception as error:  # noqa: BLE001 - every failure must reach the screen
            busy = isinstance(error, DatabaseBusy)
            self.post_message(WriteFailed(entry, _plain(error), busy))
            return
        now = self.app.clock()
        try:
            latest = self.store.latest_entries(station=self.store.station)
        except Exception:  # noqa: BLE001 - the row IS saved; the panel catches up on its next read
            latest = None
        self.post_message(Saved(entry, now, latest))

    def refresh_panel(self) -> None:
        self._read_panel(self.saves)

    @work(thread=True, exclusive=True, group="db-read", exit_on_error=False)
    def _read_panel(self, seq: int) -> None:
        try:
            self.post_message(PanelLoaded(load_panel(self.store, self.config, self.unit.code,
                                                     self.app.clock()), seq))
        except Exception as error:  # noqa: BLE001
            self.post_message(PanelFailed(_plain(error)))

    @on(Saved)
    def on_saved(self, message: Saved) -> None:
        self.saves += 1
        self._settled(message.entry)
        day = message.when.astimezone(self.config.zone).date()
        updated = (self.panel.plus(message.entry, day, message.latest)
                   if self.panel and message.latest is not None else None)
        if updated is None:
            self.refresh_panel()
        else:
            self.panel = updated
        self.say(render.saved(self.config, message.entry, message.when), "ok")
        self.redraw()

    def _settled(self, entry: Entry) -> None:
        if entry in self.pending:
            self.pending.remove(entry)

    @on(WriteFailed)
    def on_write_failed(self, message: WriteFailed) -> None:
        self._settled(message.entry)
        if message.entry not in self.failed:
            self.failed.append(message.entry)
        self.redraw()
        self.say(render.failed(self.config, message.entry, message.error, retrying=message.busy,
                               waiting=len(self.failed)), "error")
        if message.busy:
            # Another process held the database past the timeout: keep trying on our own while
            # the screen says so; Enter retries at once, Esc gives the entry up.
            self.set_timer(RETRY_AFTER, lambda: self._retry(message.entry))

    def _retry(self, entry: Entry) -> None:
        if entry in self.failed:
            self.write(entry)

    def unsaved(self) -> int:
        """Henvendelser on this screen that are not (yet) on disk."""
        return sum(e.count for e in self.failed + self.pending)

    @on(PanelLoaded)
    def on_panel_loaded(self, message: PanelLoaded) -> None:
        if message.seq != self.saves:  # read before our latest commit: it would undo the update
            self.refresh_panel()
            return
        self.panel = message.panel
        self.redraw()

    @on(PanelFailed)
    def on_panel_failed(self, message: PanelFailed) -> None:
        self.query_one("#panel", TextLines).set_text(
            Text(f"Tallene kunne ikke hentes lige nu:\n{message.error}.\n"
                 f"De hentes igen inden for {PANEL_REFRESH} sekunder.\n"
                 "Registreringer gemmes stadig."))

    @on(StoreFailed)
    def on_store_failed(self, message: StoreFailed) -> None:
        self.say(f"{message.what}: {message.error}", "error")

    # -- undo and restore ---------------------------------------------------------------------

    def action_undo(self) -> None:
        self._find_undo_candidate()

    @work(thread=True, exclusive=True, group="db-read", exit_on_error=False)
    def _find_undo_candidate(self) -> None:
        try:
            row = self.store.latest_live(station=self.store.station)
            ids = self.store.live_ids_of_entry(row) if row else []
        except Exception as error:  # noqa: BLE001
            self.post_message(StoreFailed("Kunne ikke finde seneste registrering", _plain(error)))
            return
        self.post_message(UndoCandidate(row, ids))

    @on(UndoCandidate)
    def on_undo_candidate(self, message: UndoCandidate) -> None:
        if message.row is None:
            self.say("Der er ingen registrering fra denne station at annullere.", "warning")
            return
        from .dialogs import Confirm

        text = describe(self.config, message.row, len(message.ids))
        ids = message.ids
        self.app.push_screen(
            Confirm(f"Annullér den seneste registrering herfra?\n\n{text}", "Ja, annullér", "Nej, behold"),
            lambda yes: self._undo(ids) if yes else self.say("Intet annulleret."),
        )

    @work(thread=True, group="db-write", exit_on_error=False)
    def _undo(self, ids: list[str]) -> None:
        # Exactly the rows the user saw and confirmed, never "whatever is newest by now".
        try:
            rows = self.store.void(ids, "FORTRUDT")
        except Exception as error:  # noqa: BLE001
            self.post_message(StoreFailed("Annulleringen blev IKKE gemt", _plain(error)))
            return
        self.post_message(Undone(rows, self._panel_or_none()))

    def _panel_or_none(self) -> PanelData | None:
        """A fresh panel after a write that succeeded; None (read again later) if the read fails,
        so a failed read is never reported as a failed write."""
        try:
            return load_panel(self.store, self.config, self.unit.code, self.app.clock())
        except Exception:  # noqa: BLE001
            return None

    def _take_panel(self, panel: PanelData | None) -> None:
        if panel is None:
            self.refresh_panel()
        else:
            self.panel = panel

    @on(Undone)
    def on_undone(self, message: Undone) -> None:
        self.voided = message.rows
        self._take_panel(message.panel)
        if message.rows:
            text = describe(self.config, message.rows[0], len(message.rows))
            self.say(f"Annulleret: {text}. Fortryd med ctrl+r.", "warning")
        self.redraw()

    def action_restore(self) -> None:
        if not self.voided:
            self.say("Der er ingen annullering at fortryde.", "warning")
            return
        ids, self.voided = [r.id for r in self.voided], []
        self._restore(ids)

    @work(thread=True, group="db-write", exit_on_error=False)
    def _restore(self, ids: list[str]) -> None:
        try:
            self.store.restore(ids)
        except Exception as error:  # noqa: BLE001
            self.post_message(StoreFailed("Genskabelsen blev IKKE gemt", _plain(error)))
            return
        self.post_message(Restored(len(ids), self._panel_or_none()))

    @on(Restored)
    def on_restored(self, message: Restored) -> None:
        self._take_panel(message.panel)
        self.say(f"Genskabt: {message.count} registrering(er) tæller igen.", "ok")
        self.redraw()

    # -- dialogs ------------------------------------------------------------------------------

    def action_channel(self) -> None:
        from .dialogs import ChannelPicker

        def chosen(code: str | None) -> None:
            if code:
                self.state.channel = code
                channel = self.config.codebook.channels[code]
                self.say(f"Kanal nu {code} {channel.label}. Den bliver, til du skifter igen.")
                self.redraw()

        self.app.push_screen(ChannelPicker(self.config, self.unit, self.state.channel), chosen)

    def action_search(self) -> None:
        from .dialogs import TaskSearch

        self.app.push_screen(TaskSearch(self.config, self.unit), self.choose_task)

    def action_help(self) -> None:
        from .dialogs import Help

        self.app.push_screen(Help(self.config, self.state.task))


def _plain(error: Exception) -> str:
    """The one-line Danish reason the screen shows for a failed database call.

    The storage layer raises typed errors (``storage.errors.StorageError``) whose ``short`` is
    that line; the complete message (which file, the fix) goes to the journal for IT. Anything
    else that reaches here is shown by its Danish text, never as SQLite's English.
    """
    import logging
    import sqlite3

    from storage.db import translate
    from storage.errors import StorageError, TaelleugeError

    typed = translate(error, None) if isinstance(error, sqlite3.Error) else error
    if isinstance(typed, StorageError):
        logging.getLogger("taelleuge").warning("databasefejl: %s", typed)
        return typed.short
    if isinstance(error, TaelleugeError):
        return str(error)
    logging.getLogger("taelleuge").warning("uventet fejl: %r", error)
    name = getattr(error, "sqlite_errorname", None) or type(error).__name__
    return f"uventet fejl ({name}): kontakt tovholderen"
