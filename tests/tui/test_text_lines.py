"""TextLines repaints only the lines whose text changed, and the screen shows every change.

After a commit the desk's task list and panel change in a line or two; repainting both blocks
whole was most of the frame between the commit and "Gemt" on screen (bench/kiosk_latency.py).
"""

from __future__ import annotations

from rich.text import Text
from textual.app import App

from tui.widgets.text_lines import TextLines


class CountingLines(TextLines):
    """Records which lines Textual asks it to paint."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.painted: list[int] = []

    def render_line(self, y: int):
        self.painted.append(y)
        return super().render_line(y)


class Lines(App):
    CSS = "CountingLines { height: 6; padding: 0 1; }"

    def compose(self):
        yield CountingLines(id="lines")


def block(*lines: str) -> Text:
    text = Text()
    for i, line in enumerate(lines):
        text.append(line, style="bold" if i == 0 else "")
        if i < len(lines) - 1:
            text.append("\n")
    return text


def shown(app: App) -> list[str]:
    """The screen's rows, as the compositor would send them to a terminal."""
    return [strip.text.rstrip() for strip in app.screen._compositor.render_strips()][:6]


async def test_only_the_changed_lines_are_repainted_and_all_changes_are_shown():
    app = Lines()
    async with app.run_test(size=(30, 8)) as pilot:
        widget = app.query_one(CountingLines)
        widget.set_text(block("I dag: 4", "Flytning     2", "Pas          1", "Kørekort     1"))
        await pilot.pause()
        assert shown(app)[:4] == [" I dag: 4", " Flytning     2", " Pas          1", " Kørekort     1"]

        widget.painted.clear()
        widget.set_text(block("I dag: 5", "Flytning     2", "Pas          2", "Kørekort     1"))
        await pilot.pause()
        assert sorted(set(widget.painted)) == [0, 2]  # not 1 and 3: their text is the same
        assert shown(app)[:4] == [" I dag: 5", " Flytning     2", " Pas          2", " Kørekort     1"]

        # Fewer lines: the ones that are gone are blanked, and only they and the changed one
        # are painted.
        widget.painted.clear()
        widget.set_text(block("I dag: 5", "Flytning     2"))
        await pilot.pause()
        assert sorted(set(widget.painted)) == [2, 3]
        assert shown(app)[:4] == [" I dag: 5", " Flytning     2", "", ""]

        # The same text again paints nothing.
        widget.painted.clear()
        widget.set_text(block("I dag: 5", "Flytning     2"))
        await pilot.pause()
        assert widget.painted == []


async def test_a_style_change_alone_repaints_the_line():
    app = Lines()
    async with app.run_test(size=(30, 8)) as pilot:
        widget = app.query_one(CountingLines)
        plain = Text("Seneste her:\n10:32 Flytning OPRET")
        widget.set_text(plain)
        await pilot.pause()
        widget.painted.clear()
        struck = Text("Seneste her:\n")
        struck.append("10:32 Flytning OPRET", style="strike")
        widget.set_text(struck)
        await pilot.pause()
        assert sorted(set(widget.painted)) == [1]
        segments = list(app.screen._compositor.render_strips()[1])
        assert any(seg.style and seg.style.strike and "Flytning" in seg.text for seg in segments)


# -- on the desk --------------------------------------------------------------------------------

async def test_a_save_repaints_only_the_panel_lines_that_changed(kiosk, store):
    """Wide enough for the panel: "I dag", one cell of the week matrix and "Seneste her" change;
    the matrix's other channels do not, and are not painted again."""
    from support import settle

    app = kiosk()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        panel = app.screen.query_one("#panel")
        before = panel.text.plain.splitlines()
        painted: list[int] = []
        render_line = panel.render_line

        def counting(y: int):
            painted.append(y)
            return render_line(y)

        panel.render_line = counting
        await pilot.press("1", "o")
        await settle(app, pilot)
        after = panel.text.plain.splitlines()
        changed = {y for y in range(max(len(before), len(after)))
                   if y >= len(before) or y >= len(after) or before[y] != after[y]}
        assert changed and set(painted) == changed  # every change shown, nothing else repainted
        assert len(changed) < len(after)  # the test means something: some lines stayed
        assert app.screen.query_one("#message").has_class("-ok")


async def test_the_message_line_is_restyled_once_when_its_kind_changes_and_not_when_it_stays(kiosk):
    """Each restyle is a CSS match of the widget; two of them sat between the commit and the
    frame that says "Gemt"."""
    app = kiosk()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        restyled = []
        update_styles = app.update_styles

        def counting(node, animate=True):
            restyled.append(node.id)
            return update_styles(node, animate=animate)

        app.update_styles = counting
        screen.say("Gemt kl. 10:00", "ok")
        assert restyled.count("message") == 1
        screen.say("Gemt kl. 10:01", "ok")
        assert restyled.count("message") == 1
        message = screen.query_one("#message")
        assert message.has_class("-ok") and not message.has_class("-info")
        screen.say("Vælg opgave", "warning")
        assert restyled.count("message") == 2
        assert message.has_class("-warning") and not message.has_class("-ok")
