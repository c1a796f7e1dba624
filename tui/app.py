"""The Tælleuge app: wiring, theme, console mode, signals. Screens live in ``tui.screens``."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable

from textual import events
from textual.app import App
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.theme import Theme

from storage.config import Config
from storage.interface import Store
from storage.timeutil import Clock, system_clock
from storage.wording import plural

from .key_filter import KeyFilter, alt_split

# Only the 8 base colours: bright variants look like the normal ones on the framebuffer console
# (textual#5907), and the built-in ansi-dark theme uses them for cursor and selection.
CONSOLE_THEME = Theme(
    name="taelleuge-console",
    ansi=True,
    primary="ansi_blue",
    secondary="ansi_cyan",
    warning="ansi_yellow",
    error="ansi_red",
    success="ansi_green",
    accent="ansi_yellow",
    foreground="ansi_white",
    background="ansi_black",
    surface="ansi_black",
    panel="ansi_blue",
    boost="ansi_black",
    dark=True,
    variables={
        "ansi-background": "ansi_black",
        "ansi-foreground": "ansi_white",
        "border-blurred": "ansi_white",
        "block-cursor-foreground": "ansi_black",
        "block-cursor-background": "ansi_white",
        "input-cursor-background": "ansi_white",
        "input-cursor-foreground": "ansi_black",
        "input-selection-background": "ansi_blue",
        "footer-key-foreground": "ansi_yellow",
        "footer-background": "ansi_blue",
        "footer-foreground": "ansi_white",
        "footer-description-foreground": "ansi_white",
    },
)


def console_wanted(flag: bool | None) -> bool:
    """Console mode: the flag, else ``TAELLEUGE_CONSOLE=1``, else automatic for ``TERM=linux``."""
    if flag is not None:
        return flag
    if os.environ.get("TAELLEUGE_CONSOLE"):
        return os.environ["TAELLEUGE_CONSOLE"] not in {"0", "nej", "no", "false"}
    return os.environ.get("TERM") == "linux"


class TaelleApp(App[None], inherit_bindings=False):
    """One unit's registration desk. Store, config and clock are injected (tests use the same)."""

    CSS_PATH = "app.tcss"
    TITLE = "Tælleuge"
    # A kiosk has no use for the palette's Screenshot (writes files) or Theme commands.
    ENABLE_COMMAND_PALETTE = False
    # No ctrl+c / ctrl+z / ctrl+\\ bindings at all (inherit_bindings=False): in Textual's raw mode
    # they are plain keys, so they cannot leave the app. ctrl+q leaves, or asks for the PIN.
    BINDINGS = [
        Binding("ctrl+q", "leave", "Afslut", id="app.quit", priority=True, show=False),
    ]

    def __init__(
        self,
        config: Config,
        store: Store,
        *,
        clock: Clock,
        enhed: str | None = None,
        console: bool = False,
        locked: bool = False,
        warning: str | None = None,
        freeze_heap: bool = False,
        key_clock: Callable[[], float] | None = None,
    ):
        super().__init__()
        from .esc_parser import install

        install()  # Esc and a key in one burst are two keys (tui.esc_parser)
        self.config = config
        self.store = store
        self.clock = clock
        # Seconds on a monotonic clock, for telling held and typed-ahead keys from meant ones.
        # None: each key's own arrival time (stamped by Textual's input thread, so a busy frame
        # cannot make two keys look closer than they were typed).
        self.key_clock = key_clock
        self.keys = KeyFilter()
        self.enhed = enhed
        self.console_mode = console
        self.locked = locked
        self.warning = warning  # shown once on the screen (e.g. the DB on a network drive)
        self.freeze_heap = freeze_heap  # the real process only: see _freeze_heap

    def on_mount(self) -> None:
        self._install_signal_handlers()
        if self.console_mode:
            self.register_theme(CONSOLE_THEME)
            self.theme = CONSOLE_THEME.name
            self.add_class("-console")
        if self.config.keymap:
            self.set_keymap(self.config.keymap)
        if self.enhed:
            self.open_unit(self.enhed)
        else:
            # Only when the unit is not known: the dialogs module costs ~4 ms of a cold start.
            from .screens.dialogs import UnitPicker

            self.push_screen(UnitPicker(self.config, locked=self.locked), self.open_unit)

    # -- keys: held, bounced, typed ahead, Esc joined to the next key ---------------------------

    def key_time(self, event: events.Key | None = None) -> float:
        if self.key_clock is not None:
            return self.key_clock()
        return event.time if event is not None else time.monotonic()

    def push_screen(self, screen, *args, **kwargs):
        if isinstance(screen, ModalScreen):
            screen.opened_at = self.key_time()  # the dialog takes no key for a moment
        return super().push_screen(screen, *args, **kwargs)

    async def on_event(self, event: events.Event) -> None:
        if not isinstance(event, events.Key) or event.is_forwarded:
            await super().on_event(event)
            return
        after_escape = alt_split(event.key, event.character)
        if after_escape is not None:
            # Esc and the next key within ~50 ms reach the app as alt+<key>: they are two keys,
            # and the Esc must clear before the key acts (never "alt+1" read as a plain "1").
            await self._filtered(self._key_like(event, "escape", "\x1b"))
            await self._filtered(self._key_like(event, after_escape, event.character))
            return
        await self._filtered(event)

    @staticmethod
    def _key_like(event: events.Key, key: str, character: str | None) -> events.Key:
        made = events.Key(key, character)
        made.time = event.time
        return made

    async def _filtered(self, event: events.Key) -> None:
        from textual.widgets import Input

        screen = self.screen
        typing = isinstance(self.focused, Input) and event.is_printable
        why = self.keys.check(event.key, self.key_time(event), typing=typing,
                              opened_at=getattr(screen, "opened_at", None))
        if not isinstance(screen, ModalScreen):
            # The desk decides about a repeated key itself, in order: only it knows whether the
            # key before saved something (queued keys reach it after this point). Here, a repeat
            # of a digit in a count or of an answer looked like a bounce (issue 9, D4/D5).
            why = None
        if why is None:
            if typing and getattr(screen, "opened_at", None) is not None:
                # Typing into the dialog's own field (a PIN, a search) shows it is being
                # answered: its Enter right after is meant for it, never typed ahead.
                screen.opened_at = None
            await super().on_event(event)
            return
        event.stop()
        dropped = getattr(screen, "key_dropped", None)
        if dropped is not None:
            dropped(event, why)

    def get_key_display(self, binding: Binding) -> str:
        # "Ctrl+U", "Enter", "Esc", "F2": the same words as the help and the messages, never "^u".
        from .render import key_label

        return binding.key_display or key_label(binding.key)

    def action_leave(self) -> None:
        from .screens.dialogs import PinPrompt

        if any(isinstance(s, PinPrompt) or getattr(s, "leaving", False) for s in self.screen_stack):
            return  # one question about leaving at a time, however often ctrl+q is pressed
        if not self.locked:
            self._leave_unless_unsaved("afslut")
            return
        # The PIN proves who may leave; what is not saved is asked about afterwards, as on an
        # unlocked screen, so a coordinator never loses a waiting registration without being told.
        self.push_screen(PinPrompt(self.config.pin_hash),
                         lambda ok: self._leave_unless_unsaved("PIN") if ok else None)

    def _leave_unless_unsaved(self, how: str) -> None:
        unsaved = self._unsaved()
        if not unsaved:
            self.exit()
            return
        from .render import plural
        from .screens.dialogs import Confirm

        def answered(yes: bool | None) -> None:
            if yes and self._unsaved():
                logging.getLogger("taelleuge").warning(
                    "afsluttet (%s) med %s IKKE GEMT (station %s)",
                    how, plural(self._unsaved(), "henvendelse", "henvendelser"), self.store.station)
            if yes:
                self.exit()

        question = Confirm(f"{plural(unsaved, 'henvendelse', 'henvendelser')} er IKKE gemt endnu og går "
                           "tabt, hvis du afslutter nu.\n\nAfslut alligevel?", "Ja, afslut", "Nej, bliv")
        question.leaving = True
        self.push_screen(question, answered)

    def _unsaved(self) -> int:
        from .screens.register import RegisterScreen

        return sum(screen.unsaved() for screen in self.screen_stack if isinstance(screen, RegisterScreen))

    def open_unit(self, enhed: str | None) -> None:
        if enhed is None:
            if self.locked:  # a locked kiosk cannot be left through the picker's Esc
                from .screens.dialogs import UnitPicker

                self.push_screen(UnitPicker(self.config, locked=True), self.open_unit)
            else:
                self.exit()
            return
        from .screens.register import RegisterScreen

        self.enhed = enhed
        self.push_screen(RegisterScreen(self.config.unit(enhed)))
        if self.freeze_heap:
            self.call_after_refresh(_freeze_heap)

    def _install_signal_handlers(self) -> None:
        # systemctl stop and an SSH disconnect must restore the terminal, not leave the alternate
        # screen behind; Textual's driver itself only handles SIGTSTP/SIGCONT.
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGHUP):
            loop.add_signal_handler(sig, self._stop_on_signal, sig)
        self._watch_terminal()

    def _stop_on_signal(self, sig: signal.Signals) -> None:
        """SIGTERM (systemctl stop) and SIGHUP (the SSH line is gone) alike: what waits for the
        database gets up to STOP_SAVE_SECONDS to be saved, said on screen; what is still not
        saved then is logged, and the exit code says so (systemd shows the stop as failed)."""
        name = signal.Signals(sig).name
        if getattr(self, "_stopping", None) is not None:
            return  # already saving before the stop: one deadline
        unsaved = self._unsaved()
        if not unsaved:
            self._stop(name)
            return
        from .screens.register import RegisterScreen

        self._stopping = time.monotonic() + STOP_SAVE_SECONDS
        for screen in self.screen_stack:
            if isinstance(screen, RegisterScreen):
                screen.save_before_stop(name, STOP_SAVE_SECONDS)
        self.set_interval(STOP_CHECK_SECONDS, lambda: self._stop_when_saved(name))

    def _stop_when_saved(self, why: str) -> None:
        if not self._unsaved():
            self._stop(why)
        elif time.monotonic() >= self._stopping:
            self._stop(why, return_code=1)

    def _stop(self, why: str, return_code: int = 0) -> None:
        from .render import plural

        unsaved = self._unsaved()
        if unsaved:  # no one to ask: at least the journal says what was not saved
            logging.getLogger("taelleuge").warning(
                "%s: %s ikke gemt ved afslutning (station %s)",
                why, plural(unsaved, "henvendelse", "henvendelser"), self.store.station)
        self.exit(return_code=return_code)

    # -- a terminal that is gone ----------------------------------------------------------------

    def _watch_terminal(self) -> None:
        """Leave when the terminal disappears without a SIGHUP (a pty whose other end closed, a
        kiosk whose terminal was not its controlling one): Textual's input thread then reads
        end-of-file at once, again and again, and the process spun at ~90 % CPU for ever."""
        self._terminal_fds = [fd for fd in _terminal_fds() if os.isatty(fd)]
        if self._terminal_fds:
            self.set_interval(TERMINAL_CHECK_SECONDS, self._check_terminal, name="terminal-check")

    def _check_terminal(self) -> None:
        if all(os.isatty(fd) for fd in self._terminal_fds):
            return
        logging.getLogger("taelleuge").warning(
            "terminalen er væk (station %s): programmet afslutter", self.store.station)
        self._stop("terminalen er væk", return_code=1)  # not a normal stop: systemctl status shows it
        # Nothing can be drawn any more, and a shutdown that writes to the dead terminal could
        # wait for ever: make sure the process ends even then.
        threading.Thread(target=_exit_after, args=(TERMINAL_EXIT_GRACE,), daemon=True).start()

    # -- a crash ----------------------------------------------------------------------------------

    def _handle_exception(self, error: Exception) -> None:
        self._crashed_with = error
        super()._handle_exception(error)

    def _fatal_error(self) -> None:
        """Textual's own crash screen prints the traceback with every frame's local variables:
        the config with the coordinator's PIN hash, the store, the entries. Ours never prints a
        local: the journal gets the traceback without them, the terminal a Danish line (and,
        in Textual's debug mode only, the traceback, still without locals)."""
        import traceback

        from rich.console import Group
        from rich.segment import Segments
        from rich.text import Text
        from rich.traceback import Traceback

        error = getattr(self, "_crashed_with", None) or sys.exc_info()[1]
        station = getattr(self.store, "station", "?")
        details = "".join(traceback.format_exception(error)) if error is not None else "ukendt fejl"
        logging.getLogger("taelleuge").critical("programfejl (station %s): %s", station, details)
        try:
            unsaved = self._unsaved()
        except Exception:  # noqa: BLE001 - the app is broken already: say what we can
            unsaved = 0
        lost = (f" {plural(unsaved, 'henvendelse', 'henvendelser')}, der ventede, er IKKE gemt."
                if unsaved else "")
        name = type(error).__name__ if error is not None else "ukendt"
        message = Text(f"Tælleuge stoppede på grund af en programfejl ({name}). Det, der stod som "
                       f"Gemt, er gemt.{lost} Fejlen er skrevet i journalen (journalctl -t taelleuge): "
                       "kontakt IT.")
        shown = [message]
        if "debug" in self.features and error is not None:
            shown.insert(0, Traceback.from_exception(type(error), error, error.__traceback__,
                                                     show_locals=False, width=None))
        self.bell()
        self._exit_renderables.append(Segments(self.console.render(Group(*shown), self.console.options)))
        self._close_messages_no_wait()

    def on_unmount(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGHUP):
            loop.remove_signal_handler(sig)


TERMINAL_CHECK_SECONDS = 1.0
STOP_SAVE_SECONDS = 5.0  # a stop signal waits this long for entries the database has not got
STOP_CHECK_SECONDS = 0.1
TERMINAL_EXIT_GRACE = 5.0


def _freeze_heap() -> None:
    """Once the desk is on screen, everything alive (Textual, the stylesheet, the config) stays
    for the life of the process: move it out of the garbage collector's reach. A full collection
    walked all of it, 17-35 ms inside a frame now and then (the p99 of key → "Gemt"); now it walks
    only what was made since. Only for the real process (``tui.kiosk_main``): frozen objects are
    never collected, so a test process that starts hundreds of apps must not freeze each one."""
    gc.freeze()


def _terminal_fds() -> list[int]:
    """The descriptors Textual's driver uses: it reads ``sys.__stdin__`` and draws on
    ``sys.__stderr__``."""
    fds = []
    for stream in (sys.__stdin__, sys.__stderr__):
        try:
            fds.append(stream.fileno())
        except (AttributeError, ValueError, OSError):
            pass
    return fds


def _exit_after(seconds: float) -> None:
    time.sleep(seconds)
    logging.getLogger("taelleuge").warning("terminalen er væk: afslutning tvunget efter %s s", seconds)
    os._exit(1)


def make_app(config: Config, store: Store, *, clock: Clock, enhed: str | None = None,
             console: bool = False, locked: bool = False, warning: str | None = None,
             freeze_heap: bool = False, key_clock: Callable[[], float] | None = None) -> TaelleApp:
    """The app. With the real clock, keys are timed by their arrival; a test that injects a clock
    times the keys with it too (unless it injects a key clock of its own), so a key pressed
    without advancing the clock arrives at the same instant as the one before: held down."""
    if key_clock is None and clock is not system_clock:
        key_clock = lambda: clock().timestamp()  # noqa: E731
    return TaelleApp(config, store, clock=clock, enhed=enhed, console=console, locked=locked,
                     warning=warning, freeze_heap=freeze_heap, key_clock=key_clock)
