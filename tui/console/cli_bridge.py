"""Run a coordinator command (``eksport``, ``import``, ``rapport``) exactly as the command line
does: its own parser, its own handler, its own refusals, with what it says captured for the
screen (tui.say.captured). Called from a worker thread, never the UI thread."""

from __future__ import annotations

from dataclasses import dataclass

from storage.errors import TaelleugeError, os_error_message
from storage.hostile import escape

from ..say import captured


@dataclass
class Outcome:
    code: int  # as the CLI's exit code: 0 done, 1 refused, 2 bad input
    text: str  # what it printed
    errors: str  # its warnings and the refusal


def run(argv: list[str], location: list[str], *, progress=None, width: int | None = None) -> Outcome:
    from ..cli import build_parser

    try:
        args = build_parser().parse_args([*argv, *location])
    except SystemExit:
        return Outcome(2, "", "Ugyldigt valg: " + escape(" ".join(argv)))
    with captured(progress, width) as capture:
        try:
            code = _handler(args.command)(args)
        except TaelleugeError as error:
            print(escape(str(error), keep_newlines=True), file=capture.err)
            code = 1
        except OSError as error:
            print(os_error_message(error), file=capture.err)
            code = 1
    return Outcome(code, capture.text, capture.errors)


def _handler(command: str):
    if command in ("eksport", "export"):
        from ..cli_exports import cmd_export

        return cmd_export
    if command == "import":
        from ..cli_exports import cmd_import

        return cmd_import
    if command in ("rapport", "report"):
        from ..cli_report import cmd_report

        return cmd_report
    raise ValueError(command)
