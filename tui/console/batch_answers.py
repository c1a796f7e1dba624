"""The batch form's second step: the unit's local questions, asked before the rows are saved, so
a required question (``paakraevet``) is never left unanswered from the console either."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from storage.config import Question, Unit


def choices(question: Question) -> str:
    numbered = ", ".join(f"{n} = {answer}" for n, answer in enumerate(question.answers, 1))
    return numbered if question.required else f"{numbered}, 0 = spring over"


def read_answer(question: Question, typed: str) -> str | None:
    """The answer meant by ``typed`` (its number, or the answer itself in any case); "" for a
    skipped optional question; None when it is not one of the answers."""
    typed = typed.strip()
    if not question.required and typed in ("", "0"):
        return ""
    if typed.isdigit() and 1 <= int(typed) <= len(question.answers):
        return question.answers[int(typed) - 1]
    for answer in question.answers:
        if answer.casefold() == typed.casefold():
            return answer
    return None


class AnswersForm(ModalScreen[dict | None]):
    """One field per question of the unit; Enter moves on, Enter in the last one checks and
    returns {question: answer} (skipped optional ones left out); Esc cancels the batch."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Tilbage")]

    def __init__(self, unit: Unit):
        super().__init__()
        self.unit = unit

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog batch"):
            # The question texts come from the config: never markup.
            yield Static(f"Spørgsmål for partiet ({self.unit.code})", classes="dialog-title",
                         markup=False)
            for n, question in enumerate(self.unit.questions):
                yield Static(f"{question.text}: {choices(question)}", markup=False)
                yield Input("", id=f"q-{n}", max_length=40)
            yield Static("", id="q-error", markup=False)
            yield Static("Enter = næste felt; Enter i sidste = gem. Esc = tilbage.",
                         classes="dialog-note", markup=False)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        index = int(event.input.id.removeprefix("q-"))
        if index + 1 < len(self.unit.questions):
            self.query_one(f"#q-{index + 1}", Input).focus()
            return
        answers: dict[str, str] = {}
        for n, question in enumerate(self.unit.questions):
            field = self.query_one(f"#q-{n}", Input)
            answer = read_answer(question, field.value)
            if answer is None:
                self.query_one("#q-error", Static).update(
                    f'"{question.text}" skal besvares: {choices(question)}')
                field.focus()
                return
            if answer:
                answers[question.text] = answer
        self.dismiss(answers)
