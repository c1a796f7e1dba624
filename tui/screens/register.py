"""The registration screen: a task key, then a type key, and the contact is saved.

All database work runs in thread workers that never touch widgets; they post messages, and the
handlers here own every widget update. A failed write keeps its entry (same UUIDs, so a retry can
never double-count) until it is saved or the user gives it up (after a yes).

Nothing is saved that the user did not mean: the app drops a key repeated within 700 ms (held
down, bounced, or doubled by a laggy SSH line) and keys typed at a dialog in its first 400 ms
(tui.key_filter); task keys are never type keys; the double-press guard asks with ``j`` and only
one dialog is ever open, keys queued for the desk meanwhile are dropped; Esc clears the whole
half-made entry, and so does a minute without a key. Every desk key is handled here, in the order
typed: a binding is never left to the app, where it could run after the keys that followed it.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Static

from storage import keys as keymaps
from storage.config import Group, Task, Unit
from storage.describe import describe
from storage.errors import DatabaseBusy, DatabaseUnreachable, OutcomeUnknown, Refusal
from storage.registration import MAX_BATCH, Entry, Registration, new_entry

from .. import render
from ..entry_state import EntryState
from ..key_filter import FREE_KEYS, REPEAT, REPEAT_WINDOW
from ..panel_data import PanelData, RecentEntry, load_panel, load_recent
from ..widgets.text_lines import TextLines

DOUBLE_PRESS = timedelta(seconds=1.5)
IDLE_DIM = timedelta(seconds=50)  # a half-made entry is dimmed and the screen warns …
IDLE_CLEAR = timedelta(seconds=60)  # … and then cleared: it never waits for the next citizen
IDLE_TICK = 1.0  # seconds between idle checks (they read the injected clock)
BATCH_ASK_ABOVE = 50  # a larger batch is confirmed first
WAITING_AFTER = 0.3  # seconds before a slow write shows "venter"
RECENT_BOUND = 1.5  # seconds ctrl+u waits for the Seneste list before it says why not
RETRY_AFTER = 2.0  # seconds between automatic retries while the database stays locked
# Other stations of the unit write too: re-read the panel's totals this often (seconds).
PANEL_REFRESH = 20
FOLD_BELOW = 100  # columns: narrower screens start with the right-hand panel folded away
PANEL_WIDTH = 40
PANEL_WIDE = 60  # from WIDE_FROM columns: "SLVBTJN", not "SLVB"
WIDE_FROM = 120
MESSAGE_KINDS = ("info", "ok", "error", "warning")  # the message line's classes (-ok, …)
MESSAGE_LINES = 3
_STEP_KEYS = ("toggle_hold", "toggle_blanket")  # act only before the type; else the key is ignored
TWICE = "Samme tast to gange hurtigt efter hinanden tæller én gang — tryk igen."


class Saved(Message):
    bubble = False  # handled by the screen; the app has nothing to do with it

    def __init__(self, entry: Entry):
        super().__init__()
        self.entry = entry


class WriteFailed(Message):
    """``unknown``: the commit went out and its answer was lost (it may be stored)."""

    def __init__(self, entry: Entry, error: str, busy: bool = False, unknown: bool = False):
        super().__init__()
        self.entry, self.error, self.busy, self.unknown = entry, error, busy, unknown


class GiveUpChecked(Message):
    """Whether an entry about to be given up is in the database after all (``None``: could not
    be asked; ``error`` says why)."""

    def __init__(self, entry: Entry, stored: bool | None, error: str = ""):
        super().__init__()
        self.entry, self.stored, self.error = entry, stored, error


class PanelLoaded(Message):
    def __init__(self, panel: PanelData, seq: int):
        super().__init__()
        self.panel, self.seq = panel, seq


class RecentLoaded(Message):
    def __init__(self, entries: list[RecentEntry], asked: int = 0):
        self.asked = asked
        super().__init__()
        self.entries = entries


class Undone(Message):
    def __init__(self, rows: list[Registration], panel: PanelData | None):
        super().__init__()
        self.rows, self.panel = rows, panel


class Restored(Message):
    def __init__(self, rows: list[Registration], panel: PanelData | None):
        super().__init__()
        self.rows, self.panel = rows, panel


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
    """The last entry sent to the database (saved or still waiting), for the double-press guard,
    Enter's repeat and Tab's "same citizen"."""

    entry: Entry
    task: Task
    when: datetime

    def same_as(self, entry: Entry) -> bool:
        fields = ("enhed", "opgave", "kanal", "type", "afslutning", "blanket", "count", "trial", "answers")
        return all(getattr(self.entry, f) == getattr(entry, f) for f in fields)


def _binding(bid: str, action: str, description: str, show: bool = True, **kwargs) -> Binding:
    return Binding(keymaps.DEFAULT_KEYS[bid], action, description, id=bid, show=show, **kwargs)


class RegisterScreen(Screen[None]):
    # In footer order: help and leaving first, so a narrow footer never cuts them off.
    BINDINGS = [
        _binding("register.help", "help", "Hjælp"),
        # The app's own ctrl+q (priority) does the work; this one only shows it in the footer,
        # where the unlocked screen's staff look for the way out (hidden on the locked kiosk).
        _binding("app.quit", "leave", "Afslut", priority=True),
        _binding("register.repeat", "repeat", "Gentag"),
        _binding("register.channel", "channel", "Kanal"),
        _binding("register.cancel", "cancel", "Ryd"),
        _binding("register.undo", "undo", "Annullér"),
        _binding("register.restore", "restore", "Genskab"),
        _binding("register.panel", "panel", "Tal"),
        _binding("register.search", "search", "Søg", show=False),
        _binding("register.batch", "batch", "Antal", show=False),
        _binding("register.numbers", "numbers", "KLE-nr", show=False),
        _binding("register.next", "next_task", "Samme borger", show=False),
        _binding("register.hold", "toggle_hold", "HOLD", show=False),
        _binding("register.blanket", "toggle_blanket", "Blanket", show=False),
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
        self.slow: list[Entry] = []  # pending for longer than WAITING_AFTER: said on screen
        self.dialog_open = False  # a dialog is open or on its way: keys queued here are dropped
        self.folded = False  # the right-hand panel folded away
        self._fold_chosen = False  # the user pressed the fold key: resizing no longer decides
        self.numbers = False  # KLE numbers in the task list
        self._shown: dict[str, object] = {}
        self._said: tuple[str, str] = ("", "info")  # the message line's own text and kind
        self._base: tuple[str, str] = ("", "info")  # … without a note put above it
        self._saved_text: str | None = None  # the latest "Gemt" text: stays in sight after Tab
        self._key: str | None = None  # the key being handled
        self._saved_by: str | None = None  # the key that saved the latest entry (its repeats: silent)
        self._active_at: datetime | None = None  # the last key, for the idle timeout
        self._dimmed = False
        self._search_started: datetime | None = None
        # The key whose press saved, opened a dialog or the repeat preview, and when it (or its
        # latest repeat) arrived: the same key again within REPEAT_WINDOW is held or bounced.
        self._guard_key: str | None = None
        self._guard_at = float("-inf")
        self._started_before_batch: datetime | None = None
        self._queue: deque[Entry] = deque()  # to be written, oldest first (one writer thread)
        self._queue_lock = threading.Lock()
        self._writing = False
        self._retry_set = False  # one automatic retry is waiting
        self._ignored_keys = 0  # keys typed while the Seneste list was being read
        self._recent_asked = 0  # which ctrl+u the list being read answers
        self._busy: list[Entry] = []  # failed entries that failed on a busy database
        self._key_at = float("-inf")  # when the key being handled arrived (the app's key clock)
        self._give_up_checking = False  # Esc on a failed entry: asking the database first
        self._maybe_saved: set[tuple[str, ...]] = set()  # entries whose commit answer was lost

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
        yield Static("", id="message", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        config = self.config
        self.labels = render.key_labels(config)
        effective = keymaps.effective(config.keymap)
        self._type_by_key = {key: code for key, code in render.type_keys(config)}
        self._task_keys = set(self.unit.keys)
        self._key_range = render.task_key_range("".join(key for key, _ in self.unit.keyed()))
        self._answer_keys = keymaps.ANSWER_KEYS
        # Every desk key → its action, after the config's [taster] (ctrl+q stays the app's).
        actions = {b.id: b.action for b in self.BINDINGS if isinstance(b, Binding) and b.id != "app.quit"}
        self._actions = {key: actions[bid] for bid in actions for key in effective[bid]}
        self._fold(self.app.size.width < FOLD_BELOW)
        self.say(f"Vælg opgave med {self._key_range}, eller "
                 f"{render.first_key(self.labels, 'register.search')} for at søge.")
        self.redraw()
        self.refresh_panel()
        self.set_interval(PANEL_REFRESH, self.refresh_panel)
        self.set_interval(IDLE_TICK, self.clear_if_idle)
        if self.app.warning:
            self.say(self.app.warning, "warning")

    # -- drawing ------------------------------------------------------------------------------

    def redraw(self) -> None:
        width = max(self.size.width or 80, 1)
        self._show("#header", render.header(self.config, self.unit, self.panel, width, self.folded))
        self._show("#entry", render.entry_line(self.config, self.state, self.labels, width))
        choices = self.query_one("#choices", TextLines)
        # From the screen's size, not the widget's: right after F3 the layout is not redone yet.
        list_width, list_height = self._list_size(self.folded)
        counts = self.panel.tasks_today if self.panel else None
        choices.set_text(render.choices(self.config, self.state, list_height or 18, list_width or 38,
                                        counts=counts, numbers=self.numbers, labels=self.labels))
        if not self.folded:
            panel = self.query_one("#panel", TextLines)
            panel.set_text(render.panel(self.config, self.unit, self.panel, panel.content_size.width or 37,
                                        panel.content_size.height or 18))
        self.set_class(self.panel is not None and self.panel.trial, "-trial")

    def on_resize(self) -> None:
        if not self._fold_chosen:
            self._fold(self.size.width < FOLD_BELOW)
        self._keep_names_readable("resize")
        self.call_after_refresh(self.redraw)
        self.call_after_refresh(self._paint_message)

    def _list_size(self, folded: bool) -> tuple[int, int]:
        """The task list's text area with the panel folded or not (the layout in app.tcss)."""
        width, height = self.size.width or self.app.size.width, self.size.height or self.app.size.height
        panel = 0 if folded else (PANEL_WIDE if self.app.size.width >= WIDE_FROM else PANEL_WIDTH)
        return max(width - panel - 2, 0), max(height - 6, 0)

    def _keep_names_readable(self, asked: str | None = None) -> None:
        """Task names must stay distinguishable: the panel and then the KLE numbers give way
        when the list has no room for the names beside them (said on screen)."""
        if render.names_fit(self.state, *reversed(self._list_size(self.folded)), self.numbers):
            return
        said = []
        if not self.folded and render.names_fit(self.state, *reversed(self._list_size(True)), self.numbers):
            self._fold(True)
            said.append("Tallene til højre er foldet væk: der er ikke plads til dem ved siden af "
                        "opgavenavnene.")
        elif self.numbers:
            self.numbers = False
            if not render.names_fit(self.state, *reversed(self._list_size(self.folded)), False):
                self._fold(True)
            said.append(f"Der er ikke plads til KLE-numre ved siden af navnene i {self.app.size.width} "
                        f"kolonner: søg med {render.first_key(self.labels, 'register.search')} for at se numrene.")
        elif not self.folded:
            self._fold(True)
            said.append("Tallene til højre er foldet væk: der er ikke plads til dem ved siden af "
                        "opgavenavnene.")
        if said and asked is not None:
            self.say(" ".join(said), "warning")

    def _fold(self, folded: bool) -> None:
        self.folded = folded
        panel = self.query_one("#panel", TextLines)
        panel.display = not folded
        # Wide screens give the panel room for whole type codes in the matrix's heads.
        panel.styles.width = PANEL_WIDE if (self.app.size.width or 80) >= WIDE_FROM else PANEL_WIDTH

    def _show(self, selector: str, text) -> None:
        # Fixed-size widgets: skip unchanged text and the layout pass, which is most of a
        # frame's cost and sits between the commit and the screen saying "Gemt".
        widget = self.query_one(selector, Static)
        if self._shown.get(selector) != text:
            self._shown[selector] = text
            widget.update(text, layout=False)

    def say(self, text: str, kind: str = "info") -> None:
        self._said = self._base = (text, kind)
        self._paint_message()

    def _paint_message(self) -> None:
        """The message line: the latest event, and below it, until every entry is settled, the
        entries that are not saved. One entry's "Gemt" never hides another's IKKE GEMT."""
        text, kind = self._said
        width = max((self.size.width or 80) - 2, 1)
        lines = render.wrap(text, width)
        waiting = render.waiting(self.config, self.failed, self.slow, width, self.labels)
        if waiting:
            lines = lines[: MESSAGE_LINES - 1] + [waiting]
            kind = "error" if self.failed else ("warning" if kind in ("info", "ok") else kind)
        elif len(lines) > MESSAGE_LINES:
            lines = lines[: MESSAGE_LINES - 1] + [render.fit(" ".join(lines[MESSAGE_LINES - 1:]), width)]
        message = self.query_one("#message", Static)
        message.update("\n".join(lines[:MESSAGE_LINES]), layout=False)
        # One style pass for the change of kind, none when it stays: each is a CSS match of the
        # widget, and two of them sat between the commit and the "Gemt" frame.
        message.update_classes({f"-{state}": state == kind for state in MESSAGE_KINDS})

    def _message_with(self, line: str, kind: str | None = None) -> None:
        """``line`` first, then as much of what the message said before as fits (said once,
        however many times it comes)."""
        text, old_kind = self._base
        self._said = ("\n".join([line, *text.splitlines()]), kind or old_kind)
        self._paint_message()

    # -- keys ---------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("toggle_hold", "toggle_blanket"):
            # Before the type: in step 1 or 2 (their letters are never task keys).
            return self.state.step in (1, 2) and self.state.batch_typing is None and not self.state.repeat
        if action == "leave":
            return not self.app.locked
        if action == "restore":
            return bool(self.voided)  # in the footer only while there is something to bring back
        return True

    def action_leave(self) -> None:
        self.app.action_leave()

    def on_key(self, event: events.Key) -> None:
        event.stop()  # every desk key is handled here, now: none is left to bubble to the app
        if self.dialog_open:
            # Typed before the dialog took the keyboard: never queued for later screens.
            dropped = getattr(self.app.screen, "key_dropped", None)
            if dropped is not None and self.app.screen is not self:
                dropped(event, "queued")
            elif self.app.screen is self:
                self._ignored_keys += 1  # said when the list comes, or when it cannot
            return
        key_at = self.app.key_time(event)
        if (event.key == self._guard_key and event.key not in FREE_KEYS
                and 0 <= key_at - self._guard_at < REPEAT_WINDOW):
            self._guard_at = key_at  # each repeat extends the window: held for any length, once
            self.key_dropped(event, REPEAT)
            return
        self._guard_key = None
        now = self.app.clock()
        self._activity(now)
        self._key, self._key_at, self._saved_by = event.key, key_at, None
        state = self.state
        char = event.character if event.is_printable and event.character else ""
        action = self._actions.get(event.key)
        if state.batch_typing is not None and self._batch_key(event.key, char, action):
            return
        if action is not None and (action not in _STEP_KEYS or self.check_action(action, ())):
            getattr(self, f"action_{action}")()
            return
        if state.step == 3:
            if char and char in self._answer_keys:
                self.answer(char)
            elif char and char in self._task_keys:
                self.say(f"Svar med {self._answer_hint()}, eller Esc for at rydde.", "warning")
            return
        if state.step == 2:
            code = self._type_by_key.get(char)
            if code:
                self.pick_type(code)
            elif char and char in self._task_keys and state.repeat:
                self._cancel_repeat_for(char, now)
            elif char and char in self._task_keys:
                self.say(f"Trin 2: vælg typen for {state.task.name} ({self._type_hint()}), "
                         "eller Esc for at rydde.", "warning")
            return
        if char and char in self._task_keys:
            self.pick_task(char, now)
        elif char in self._type_by_key:
            self.say(f"Tasten {char} er typen {self._type_by_key[char]} (trin 2): vælg først opgaven "
                     f"({self._key_range}).", "warning")

    def key_dropped(self, event: events.Key, why: str) -> None:
        """The app dropped a key for this screen (tui.key_filter). A repeat of the key that just
        saved is what a held or bounced key looks like: nothing to say. Otherwise, when the key
        would have acted, the user may have meant two presses: say how to get the second."""
        if why != REPEAT or event.key == self._saved_by or self.dialog_open:
            return
        if self._would_act(event):
            self._message_with(TWICE, "warning")

    def _hold_off_repeats(self) -> None:
        """The key being handled saved, or opened a dialog or the repeat preview: its repeats
        within REPEAT_WINDOW are dropped (a held Enter, a bounced type key)."""
        self._guard_key, self._guard_at = self._key, self._key_at

    def _would_act(self, event: events.Key) -> bool:
        state = self.state
        char = event.character if event.is_printable and event.character else ""
        action = self._actions.get(event.key)
        if state.batch_typing is not None:
            return char.isdigit() or action is not None
        if action is not None:
            return action not in ("help", "panel", "numbers") and (
                action not in _STEP_KEYS or bool(self.check_action(action, ())))
        if state.step == 3:
            return char in self._answer_keys
        if state.step == 2:
            return char in self._type_by_key
        return bool(char) and dict(state.items()).get(char) is not None

    def _type_hint(self) -> str:
        return "/".join(key for key, _ in render.type_keys(self.config))

    def _answer_hint(self) -> str:
        question = self.state.question
        keys = f"1-{len(question.answers)}"
        return keys if question.required else f"{keys} eller 0 = spring over"

    def _question_prompt(self) -> str:
        text = self.state.question.text
        return f"{text}{'' if text.endswith('?') else ':'} Svar med {self._answer_hint()}."

    def _activity(self, now: datetime) -> None:
        self._active_at = now
        if self._dimmed:
            self._dimmed = False
            for selector in ("#choices", "#entry"):
                self.query_one(selector).remove_class("-idle")

    def pick_task(self, key: str, now: datetime) -> None:
        item = self.state.pick(key)
        if item is None:
            self.say(f"Tasten {key} har ingen opgave her. Se listen til venstre.", "warning")
            return  # an invalid key starts nothing: not even the entry's start time
        self.state.touch(now)
        if isinstance(item, Group):
            self.say(f"{item.name}: vælg en af opgaverne.")
        else:
            self._ask_type(item)
        self.redraw()

    def _ask_type(self, task: Task) -> None:
        self.say(f"{task.name}: vælg type {self._type_hint()} "
                 f"({render.first_key(self.labels, 'register.hold')} = HOLD, "
                 f"{render.first_key(self.labels, 'register.blanket')} = blanket).")

    def choose_task(self, task: Task | None) -> None:
        started, self._search_started = self._search_started, None
        if task is None:
            return
        self.state.touch(started or self.app.clock())
        self.state.choose(task)
        self._ask_type(task)
        self.redraw()

    def pick_type(self, code: str) -> None:
        if self.state.choose_type(code):
            self.commit()
            return
        self.say(self._question_prompt())
        self.redraw()

    def answer(self, char: str) -> None:
        question = self.state.question
        if char == "0":
            if question.required:
                self.say(f"\"{question.text}\" skal besvares: tryk {self._answer_hint()}.", "warning")
                return
            choice = None
        else:
            choice = int(char)
            if choice > len(question.answers):
                self.say(f"Der er ingen svar {choice}: tryk {self._answer_hint()}.", "warning")
                return
        if self.state.answer(choice):
            self.commit()
        else:
            self.say(self._question_prompt())
            self.redraw()

    def action_toggle_hold(self) -> None:
        self.state.hold = not self.state.hold
        self.state.touch(self.app.clock())
        self.redraw()

    def action_toggle_blanket(self) -> None:
        self.state.blanket = not self.state.blanket
        self.state.touch(self.app.clock())
        self.redraw()

    def action_cancel(self) -> None:
        if not self.state.is_empty:
            self.state.reset()
            self.say("Ryddet: intet er gemt for denne. Vælg opgave.")
            self.redraw()
        elif self.failed:
            self._ask_give_up(self.failed[-1])
        else:
            self.say("Der er intet at rydde. Vælg opgave.")
            self.redraw()

    def _ask_give_up(self, entry: Entry) -> None:
        """Esc with a failed entry waiting: first ask the database whether it is stored after all
        (a commit whose answer was lost), then give it up only after a yes."""
        if not self._give_up_checking:
            self._give_up_checking = True
            self._check_stored(entry)

    @work(thread=True, group="db-give-up", exit_on_error=False)
    def _check_stored(self, entry: Entry) -> None:
        try:
            stored: bool | None = self.store.has_registrations(entry.ids)
        except Exception as error:  # noqa: BLE001 - the question is then left to staff
            self.post_message(GiveUpChecked(entry, None, _plain(error)))
            return
        self.post_message(GiveUpChecked(entry, stored))

    @on(GiveUpChecked)
    def on_give_up_checked(self, message: GiveUpChecked) -> None:
        self._give_up_checking = False
        entry = message.entry
        if entry not in self.failed:  # a retry took it meanwhile: its own answer will say
            return
        if message.stored:
            # Stored although the answer was lost: it counts once; typing it again would not.
            self.failed.remove(entry)
            self.on_saved(Saved(entry))
            self.say(f"Den blev alligevel gemt: {render.short(self.config, entry)}. Den tæller "
                     "med; registrér den ikke igen.", "ok")
            return
        # Could not ask: only an entry whose commit answer was lost may be stored (a failed
        # SQLite write, or one refused before its commit, is certainly not).
        maybe = message.stored is None and entry.ids in self._maybe_saved
        self._confirm_give_up(entry, message.error if maybe else "")

    def _confirm_give_up(self, entry: Entry, unknown: str) -> None:
        """``unknown``: why the database could not say whether the entry is stored."""
        from .dialogs import Confirm

        def answered(yes: bool) -> None:
            if yes and entry in self.failed:
                self.failed.remove(entry)
                left = f" ({len(self.failed)} andre venter stadig)" if self.failed else ""
                said = "Opgivet, uvist om den blev gemt" if unknown else "Opgivet, IKKE gemt"
                self.say(f"{said}: {render.short(self.config, entry)}{left}", "warning")
            else:
                self.say("Ikke opgivet: den venter stadig og prøves igen.", "warning")
            self.redraw()

        status, then = ((f"Det kan ikke ses, om den blev gemt ({unknown})",
                         "Opgiver du den, tælles den kun, hvis den allerede blev gemt.") if unknown
                        else ("Den er IKKE gemt", "Opgiver du den, tælles den ikke."))
        self.open_dialog(Confirm(f"Opgive denne registrering? {status}:\n\n"
                                 f"{describe(self.config, entry, entry.count)}\n\n"
                                 f"{then}", "ja, opgiv den",
                                 "nej, behold og prøv igen"), answered)

    def clear_if_idle(self) -> None:
        """A half-made entry that nobody touches for a minute is cleared: the next citizen's keys
        must never complete it. Driven by a timer that reads the (injected) clock."""
        if self.app.screen is not self or self.state.is_empty or self._active_at is None:
            return
        idle = self.app.clock() - self._active_at
        if idle >= IDLE_CLEAR:
            what = self.state.task.name if self.state.task else "den halve registrering"
            self.state.reset()
            self._activity(self.app.clock())
            self.say(f"Ryddet efter {int(IDLE_CLEAR.total_seconds())} sekunder uden tast: {what} "
                     "blev IKKE gemt. Vælg opgave.", "warning")
            self.redraw()
        elif idle >= IDLE_DIM and not self._dimmed:
            self._dimmed = True
            for selector in ("#choices", "#entry"):
                self.query_one(selector).add_class("-idle")
            left = int((IDLE_CLEAR - idle).total_seconds())
            self.say(f"Ingen tast i {int(idle.total_seconds())} sekunder: den halve registrering "
                     f"ryddes om {left} sekunder (intet gemmes).", "warning")

    def open_dialog(self, dialog, callback=None) -> None:
        """Every dialog of the desk: one at a time, and keys already on their way to the desk
        while it opens are dropped (they were typed for what the dialog replaced)."""
        self.dialog_open = True
        self._hold_off_repeats()

        def closed(result) -> None:
            self.dialog_open = False
            # The key that answered, held down, must not act again here.
            self._guard_key, self._guard_at = self.app.keys.last_key, self.app.keys.last_at
            if callback is not None:
                callback(result)
            if getattr(dialog, "timed_out", False):
                from .dialogs import CONFIRM_IDLE

                self._message_with(f"Spørgsmålet lukkede sig selv efter {int(CONFIRM_IDLE.total_seconds())} "
                                   "sekunder uden svar: svaret blev nej.", "warning")

        self.app.push_screen(dialog, closed)

    def on_screen_resume(self) -> None:
        # Back from a dialog: time spent there is not idle time at the desk.
        self.dialog_open = False
        self._activity(self.app.clock())

    # -- batch (+N) ---------------------------------------------------------------------------

    def action_batch(self) -> None:
        if self.state.step == 3 or self.state.repeat:
            self.say("Antal (+) vælges før opgaven: tryk Esc først for at rydde.", "warning")
            return
        self.state.batch_typing = ""
        # A count that is refused or declined is no part of the entry: its start goes with it.
        self._started_before_batch = self.state.started
        self.state.touch(self.app.clock())
        self.say(f"Antal: skriv tallet (1-{render.thousands(MAX_BATCH)}) og tryk Enter; den næste "
                 "registrering gemmes så mange gange. Esc rydder.")
        self.redraw()

    def _batch_key(self, key: str, char: str, action: str | None) -> bool:
        """A key while a count is typed; True when it was used here."""
        state = self.state
        if char.isdigit():
            if len(state.batch_typing) < 5:
                state.batch_typing += char
                self.redraw()
            return True
        if key == "backspace":
            state.batch_typing = state.batch_typing[:-1]
            self.redraw()
            return True
        if action in ("repeat", "cancel", "help"):
            return False  # Enter finishes the count, Esc clears it
        if char or action is not None:
            shown = char or render.key_label(key)
            self.say(f"Antal: kun tal. Du trykkede \"{shown}\". Skriv tallet og tryk "
                     f"{render.first_key(self.labels, 'register.repeat')}, eller Esc for at rydde.", "warning")
            return True
        return True

    def _finish_batch(self) -> None:
        state = self.state
        typed, state.batch_typing = state.batch_typing, None
        count = int(typed or "1")
        if not 1 <= count <= MAX_BATCH:
            state.started = self._started_before_batch
            self.say(f"Antal skal være fra 1 til {render.thousands(MAX_BATCH)}, ikke {count}.", "error")
        elif count > BATCH_ASK_ABOVE:
            from .dialogs import Confirm

            def answered(yes: bool) -> None:
                if yes:
                    self._set_batch(count)
                else:
                    state.started = self._started_before_batch
                    self.say("Antallet er ikke ændret.")
                self.redraw()

            self.open_dialog(Confirm(
                f"Er antallet rigtigt?\n\nDen næste registrering gemmes {render.thousands(count)} "
                f"gange: {render.thousands(count)} ens henvendelser som ét parti.",
                f"Ja, {render.thousands(count)} stk.", "Nej"), answered)
        else:
            self._set_batch(count)
        self.redraw()

    def _set_batch(self, count: int) -> None:
        self.state.batch = count
        if count > 1:
            self.say(f"Næste registrering gemmes {count} gange. Vælg opgave og type.")
        else:
            self.say("Antal 1: almindelig registrering.")

    # -- repeat, same citizen -----------------------------------------------------------------

    def action_repeat(self) -> None:
        state = self.state
        if state.batch_typing is not None:
            self._finish_batch()
        elif self.failed:
            self._hold_off_repeats()
            self._busy = list(self.failed)  # Enter tries every one again, oldest first
            self.write(self.failed[0])
        elif self.pending and (state.repeat or (state.step == 1 and state.group is None)):
            # A repeat of an entry the database has not confirmed could count it twice.
            self.say("Den forrige er ikke gemt endnu (venter på databasen): Enter gentager først, "
                     "når der står Gemt.", "warning")
        elif state.repeat:
            self.pick_type(state.type)
        elif state.step == 1 and state.group is None:
            self.load_repeat()
        elif state.step == 2:
            self.say(f"Vælg typen for {state.task.name}: {self._type_hint()}.", "warning")
        elif state.step == 3:
            self.say(f"Svar med {self._answer_hint()}.", "warning")

    def _last_contact(self) -> tuple[Task, str, str | None, str | None, str | None, dict] | None:
        """(task, kanal, type, afslutning, blanket, answers) of this user's last entry in this
        unit: this session's, else the newest live one in the panel (so Enter and Tab work after
        a restart). Never another unit's: the panel reads this unit only."""
        if self.last is not None:
            e = self.last.entry
            return self.last.task, e.kanal, e.type, e.afslutning, e.blanket, dict(e.answers)
        for item in self.panel.latest if self.panel else []:
            if not item.voided and item.enhed == self.unit.code:
                task = render.task_of(self.unit, item.opgave) or Task(item.opgave, "")
                return task, item.kanal, item.type, item.afslutning, item.blanket, dict(item.answers)
        return None

    def load_repeat(self) -> None:
        last = self._last_contact()
        if last is None or last[2] is None:
            self.say("Der er ingen registrering at gentage endnu.", "warning")
            return
        task, _, type_code, afslutning, blanket, _answers = last
        self.state.touch(self.app.clock())
        self.state.load_repeat(task, type_code, hold=afslutning == "HOLD", blanket=blanket == "JA")
        self._hold_off_repeats()
        enter = render.first_key(self.labels, "register.repeat")
        self.say(f"Gentag: {render.preview(self.config, self.state)}\n"
                 f"{enter} igen = gem, en anden typetast = gem med den, Esc = ryd. Intet er gemt endnu.")
        self.redraw()

    def _cancel_repeat_for(self, key: str, now: datetime) -> None:
        """A task key while the repeat is shown: a stray Enter opened it, and this is the next
        citizen's task. The preview goes (nothing was saved) and the key starts its task."""
        batch = self.state.batch  # a count typed before the Enter is still meant
        self.state.reset()
        self.state.batch = batch
        self.pick_task(key, now)
        self._message_with("Gentagelse fortrudt (intet gemt).")

    def action_next_task(self) -> None:
        last = self._last_contact()
        if last is None:
            self.say("Der er ingen registrering at fortsætte fra.", "warning")
            return
        _, kanal, _, afslutning, blanket, answers = last
        self.continue_contact(kanal, afslutning, blanket, answers)

    def continue_contact(self, kanal: str, afslutning: str | None, blanket: str | None,
                         answers: dict | None = None) -> None:
        if self.state.task is not None or self.state.group is not None:
            self.say("Gør først denne registrering færdig, eller tryk Esc.", "warning")
            return
        self.state.continue_from(kanal, hold=afslutning == "HOLD", blanket=blanket == "JA",
                                 answers=answers)
        kept = "Kanal, HOLD, blanket og svar" if self.state.carried is not None else "Kanal, HOLD og blanket"
        line = f"Samme borger: vælg den næste opgave. {kept} er som før (Esc rydder)."
        if self._saved_text:
            # The first matter's confirmation stays in sight above the instruction.
            self.say("\n".join([*self._saved_text.splitlines()[: MESSAGE_LINES - 1], line]), "ok")
        else:
            self.say(line)
        self.redraw()

    # -- saving -------------------------------------------------------------------------------

    def commit(self) -> None:
        state = self.state
        now = self.app.clock()
        self._saved_by = self._key
        self._hold_off_repeats()
        self.submit(
            state.task, state.type, afslutning="HOLD" if state.hold else "STRAKS",
            blanket="JA" if state.blanket else "NEJ", kanal=state.entry_channel, count=state.batch,
            answers=dict(state.answers), start=state.started or now, end=now,
        )

    def submit(self, task: Task, type_code: str, *, afslutning: str, blanket: str, kanal: str,
               count: int, answers: dict[str, str], start: datetime, end: datetime) -> None:
        config = self._current_config(end)
        trial = config.unit_week_of(self.unit.code, end.astimezone(config.zone).date()) is None
        try:
            entry = new_entry(
                config, enhed=self.unit.code, opgave=task.kle, kanal=kanal, type=type_code,
                afslutning=afslutning, blanket=blanket, start=start, end=end, trial=trial,
                count=count, answers=answers,
            )
        except Refusal as refusal:
            self.say(f"Ikke gemt: {refusal}", "error")
            return
        # No redraw yet: the Saved handler draws once, so the commit is not queued behind a frame.
        self.state.reset()
        # Compared with the last entry *sent*, saved or still waiting: a second press while the
        # database is busy is exactly when a double count would happen.
        previous, self.last = self.last, LastSent(entry, task, end)
        if previous and previous.same_as(entry) and end - previous.when < DOUBLE_PRESS:
            self._guard(entry, previous)
            return
        self.write(entry)

    def _guard(self, entry: Entry, previous: LastSent) -> None:
        from .dialogs import Confirm

        self.redraw()

        def answered(yes: bool) -> None:
            if yes:
                self.write(entry)
            else:
                self.last = previous  # the one sent before is still the latest
                self.say("Ikke gemt igen.")

        if previous.entry in self.failed:
            status = ("Den samme registrering blev IKKE gemt for lidt siden; den venter og prøves "
                      "igen. Gemmer du igen, tæller den to gange, når den første bliver gemt.")
        elif previous.entry in self.pending:
            status = "Den samme registrering venter stadig på at blive gemt (for lidt siden)."
        else:
            status = "Den samme registrering blev gemt for lidt siden."
        answers = "".join(f"\n{text} {answer}" for text, answer in entry.answers.items())
        question = f"{status}\n\n{describe(self.config, entry, entry.count)}{answers}\n\nGem den igen?"
        self.open_dialog(Confirm(question, "ja, gem igen", "nej"), answered)

    # -- writes and reads in workers ------------------------------------------------------------

    def write(self, entry: Entry) -> None:
        """Queue ``entry`` for the database. Entries commit one at a time in the order they were
        made (their seq then follows time, so Seneste shows the newest): one that failed earlier
        goes first, before this one."""
        if entry in self.failed:
            self.failed.remove(entry)
        # Only entries that waited for a busy database: one refused for a reason of its own
        # waits for Enter or Esc and never holds the others back.
        waiting = sorted((e for e in self.failed if e in self._busy), key=lambda e: e.end)
        for queued in waiting:
            self.failed.remove(queued)
        self._busy = [e for e in self._busy if e not in waiting and e != entry]
        for queued in (*waiting, entry):
            self.pending.append(queued)
            # Normally saved within milliseconds; if the database is busy, say that we are waiting.
            self.set_timer(WAITING_AFTER, lambda queued=queued: self._show_waiting(queued))
        with self._queue_lock:
            self._queue.extend((*waiting, entry))
            start = not self._writing
            self._writing = True
        if start:
            self._write()

    def _show_waiting(self, entry: Entry) -> None:
        if entry in self.pending and entry not in self.slow:
            self.slow.append(entry)
            self.say(f"Gemmer {render.short(self.config, entry)} … venter på databasen", "warning")

    @work(thread=True, group="db-write", exit_on_error=False)
    def _write(self) -> None:
        """The one writer: the queue, oldest first. After a failure the rest of the queue fails
        with it (it would only wait for the same lock) and is retried later in the same order."""
        failure: tuple[str, bool] | None = None
        while True:
            with self._queue_lock:
                if not self._queue:
                    self._writing = False
                    return
                entry = self._queue.popleft()
            if failure is not None and failure[1]:  # the same busy database: fail behind it
                self.post_message(WriteFailed(entry, *failure))
                continue
            try:
                self.store.record(entry)
            except Exception as error:  # noqa: BLE001 - every failure must reach the screen
                # Worth retrying on our own: another process holds the lock, or the server
                # (PostgreSQL) is restarting; the entry's UUIDs make a retry safe.
                failure = (_plain(error), isinstance(error, (DatabaseBusy, DatabaseUnreachable)))
                self.post_message(WriteFailed(entry, *failure,
                                              unknown=isinstance(error, OutcomeUnknown)))
                continue
            # Nothing is read after the commit: the panel adds the entry in memory (PanelData.plus).
            self.post_message(Saved(entry))

    def refresh_panel(self) -> None:
        self._current_config(self.app.clock())
        self._read_panel(self.saves)

    def _current_config(self, now: datetime):
        """The demo counts in whatever week it is: past Sunday midnight the running app moves on
        to the new week, as a freshly started one would. A real config's weeks stay as loaded."""
        config = self.app.config
        day = now.astimezone(config.zone).date()
        if config.demo and config.week_of(day) is None:
            from storage.settings import demo_config

            config = self.app.config = demo_config(day)
        return config

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
        day = self.app.clock().astimezone(self.config.zone).date()
        updated = self.panel.plus(message.entry, day) if self.panel else None
        if updated is None:
            self.refresh_panel()
        else:
            self.panel = updated
        # The time shown is the one stored as the registration's end: the key that completed it.
        self._saved_text = render.saved(self.config, message.entry, self.labels,
                                        max((self.size.width or 80) - 2, 1))
        self.say(self._saved_text, "ok")
        self.redraw()

    def _settled(self, entry: Entry) -> None:
        if entry in self.pending:
            self.pending.remove(entry)
        if entry in self.slow:
            self.slow.remove(entry)

    @on(WriteFailed)
    def on_write_failed(self, message: WriteFailed) -> None:
        self._settled(message.entry)
        if message.entry not in self.failed:
            self.failed.append(message.entry)
        if message.busy and message.entry not in self._busy:
            self._busy.append(message.entry)
        if message.unknown:
            self._maybe_saved.add(message.entry.ids)
        self.redraw()
        self.say(render.failed(self.config, message.entry, message.error, retrying=message.busy,
                                width=max((self.size.width or 80) - 2, 1)), "error")
        if message.busy and not self._retry_set:
            # Another process held the database past the timeout: keep trying on our own while
            # the screen says so (one retry of them all, oldest first); Enter retries at once,
            # Esc gives the entry up.
            self._retry_set = True
            self.set_timer(RETRY_AFTER, self._retry)

    def _retry(self) -> None:
        self._retry_set = False
        busy = [e for e in self.failed if e in self._busy]
        if busy:
            self.write(busy[0])  # and every other one that waited for the database, in order

    def save_before_stop(self, why: str, seconds: float) -> None:
        """The app is being stopped: try every entry the database has not got, now, and say so."""
        waiting = render.plural(self.unsaved(), "henvendelse", "henvendelser")
        self.say(f"Programmet stopper ({why}): gemmer {waiting}, der venter "
                 f"(højst {seconds:g} sekunder) …", "warning")
        if self.failed:
            self._busy = list(self.failed)
            self.write(self.failed[0])

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
        self.dialog_open = False
        self.say(f"{message.what}: {message.error}{self._ignored_note()}", "error")

    # -- the Seneste list: void any recent entry, or go on with the same citizen ------------------

    def action_undo(self) -> None:
        self.dialog_open = True  # the list is on its way: keys meanwhile are not for the desk
        self._ignored_keys = 0
        self._recent_asked += 1
        asked = self._recent_asked
        before = self._said
        self.say("Henter seneste …")
        self._said = self._base = before  # painted now, but what the desk said before stays
        self._load_recent(asked)
        # A busy database would hold the desk for its whole lock timeout: give up much sooner.
        self.set_timer(RECENT_BOUND, lambda: self._recent_too_slow(asked))

    def _recent_too_slow(self, asked: int) -> None:
        if asked != self._recent_asked or not self.dialog_open or self.app.screen is not self:
            return
        self._recent_asked += 1  # the answer, if it comes, is too late: ignored
        self.dialog_open = False
        seconds = f"{RECENT_BOUND:g}".replace(".", ",")
        self.say(f"Kunne ikke hente de seneste registreringer: databasen svarede ikke inden for "
                 f"{seconds} sekunder (den er optaget). Prøv igen om lidt.{self._ignored_note()}", "error")

    def _ignored_note(self) -> str:
        ignored, self._ignored_keys = self._ignored_keys, 0
        if not ignored:
            return ""
        return (f" {render.plural(ignored, 'tast', 'taster')} trykket imens blev ikke brugt: "
                f"tryk {'den' if ignored == 1 else 'dem'} igen.")

    @work(thread=True, group="db-recent", exit_on_error=False)
    def _load_recent(self, asked: int) -> None:
        try:
            # What can still be voided, in this unit only.
            entries = load_recent(self.store, enhed=self.unit.code, live_only=True)
        except Exception as error:  # noqa: BLE001
            if asked == self._recent_asked:
                self.post_message(StoreFailed("Kunne ikke hente de seneste registreringer", _plain(error)))
            return
        self.post_message(RecentLoaded(entries, asked))

    @on(RecentLoaded)
    def on_recent_loaded(self, message: RecentLoaded) -> None:
        if message.asked != self._recent_asked:
            return  # given up already (RECENT_BOUND): the desk has moved on
        self.dialog_open = False
        note = self._ignored_note()
        if not message.entries:
            self.say(f"Du har ingen registreringer her at annullere.{note}", "warning")
            return
        if note:
            self.say(note.strip(), "warning")
        else:
            self._paint_message()  # "Henter seneste …" gives way to what was said before
        from .dialogs import RecentList

        self.open_dialog(RecentList(self.config, message.entries, self._today()), self._recent_chosen)

    def _today(self):
        return self.app.clock().astimezone(self.config.zone).date()

    def _recent_chosen(self, choice: tuple[str, RecentEntry] | None) -> None:
        if choice is None:
            return
        what, item = choice
        if what == "next":
            self.continue_contact(item.kanal, item.afslutning, item.blanket, dict(item.answers))
            return
        if item.voided:
            self.say("Den registrering er allerede annulleret "
                     f"({render.first_key(self.labels, 'register.restore')} genskaber den seneste).", "warning")
            return
        moment = item.end.astimezone(self.config.zone)
        if moment.date() != self._today():
            # Older entries may already be exported or counted in a report: the coordinator
            # corrects them (taelleuge ret), never the desk.
            self.say(f"Registreringen fra {moment:%d-%m-%Y} kan ikke annulleres her: kun dagens. "
                     "Ældre rettelser laver tovholderen.", "warning")
            return
        from .dialogs import Confirm

        text = describe(self.config, item, item.count)
        self.open_dialog(
            Confirm(f"Annullér denne registrering fra {moment:%d-%m-%Y} kl. {moment:%H:%M:%S}?\n\n{text}",
                    "ja, annullér", "nej, behold"),
            lambda yes: self._undo(item) if yes else self.say("Intet annulleret."),
        )

    @work(thread=True, group="db-write", exit_on_error=False)
    def _undo(self, item: RecentEntry) -> None:
        # Exactly the entry the user saw and confirmed, never "whatever is newest by now".
        try:
            rows = self.store.void(self.store.live_ids_of_entry(item), "FORTRUDT")
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
        self.refresh_bindings()
        self._take_panel(message.panel)
        if message.rows:
            text = describe(self.config, message.rows[0], len(message.rows))
            restore = render.first_key(self.labels, "register.restore")
            self.say(f"Annulleret: {text}. {restore} genskaber den.", "warning")
        self.redraw()

    def action_restore(self) -> None:
        if not self.voided:
            self.say("Der er ingen annullering at genskabe.", "warning")
            return
        rows, self.voided = self.voided, []
        self.refresh_bindings()
        self._restore(rows)

    @work(thread=True, group="db-write", exit_on_error=False)
    def _restore(self, rows: list[Registration]) -> None:
        try:
            self.store.restore([r.id for r in rows])
        except Exception as error:  # noqa: BLE001
            self.post_message(StoreFailed("Genskabelsen blev IKKE gemt", _plain(error)))
            return
        self.post_message(Restored(rows, self._panel_or_none()))

    @on(Restored)
    def on_restored(self, message: Restored) -> None:
        self._take_panel(message.panel)
        text = describe(self.config, message.rows[0], len(message.rows)) if message.rows else ""
        self.say(f"Genskabt, tæller igen: {text}.", "ok")
        self.redraw()

    # -- dialogs and view toggles -------------------------------------------------------------

    def action_channel(self) -> None:
        from .dialogs import ChannelPicker

        def chosen(code: str | None) -> None:
            if code:
                self.state.channel = code
                self.state.channel_once = None
                channel = self.config.codebook.channels[code]
                self.say(f"Kanal nu {code} {channel.label}. Den bliver, til du skifter igen.")
                self.redraw()

        self.open_dialog(ChannelPicker(self.config, self.unit, self.state.entry_channel), chosen)

    def action_search(self) -> None:
        from .dialogs import TaskSearch

        if self.state.step != 1:
            self.say("Søg vælger en opgave i trin 1: tryk Esc først for at rydde.", "warning")
            return
        self._search_started = self.app.clock()
        self.open_dialog(TaskSearch(self.config, self.unit), self.choose_task)

    def action_help(self) -> None:
        from .dialogs import Help

        self.open_dialog(Help(self.config, self.state.task))

    def action_panel(self) -> None:
        self._fold_chosen = True
        self._fold(not self.folded)
        self._keep_names_readable("panel")
        self.call_after_refresh(self.redraw)

    def action_numbers(self) -> None:
        self.numbers = not self.numbers
        self._keep_names_readable("numbers")
        self.call_after_refresh(self.redraw)


def _plain(error: Exception) -> str:
    """The one-line Danish reason the screen shows for a failed database call.

    The engines raise typed errors (``storage.errors.StorageError``) whose ``short`` is that
    line; the complete message (which file, the fix) goes to the journal for IT. Anything else
    that reaches here is shown by its Danish text, or named as unexpected.
    """
    import logging

    from storage.errors import StorageError, TaelleugeError

    if isinstance(error, StorageError):
        logging.getLogger("taelleuge").warning("databasefejl: %s", error)
        return error.short
    if isinstance(error, TaelleugeError):
        return str(error)
    logging.getLogger("taelleuge").warning("uventet fejl: %r", error)
    return f"uventet fejl ({type(error).__name__}): kontakt tovholderen"
