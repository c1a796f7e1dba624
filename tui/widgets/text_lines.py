"""A fixed-size block of styled lines drawn through Textual's line API.

The kiosk redraws its task list and live panel after every commit, and that frame sits between the
key press and the screen saying "Gemt". Measured at 80x24 (bench/kiosk_latency.py), a ``Static``
with Rich text costs about 3x more per frame than pre-rendered strips; this keeps the frame short.
Colours come from the stylesheet (the widget's own style); the text carries only bold, reverse,
dim and strike, so the console theme still decides the colours.
"""

from __future__ import annotations

from rich.text import Text
from textual.strip import Strip
from textual.widget import Widget


class TextLines(Widget):
    DEFAULT_CSS = """
    TextLines {
        height: 100%;
    }
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._text = Text()
        self._strips: list[Strip] = []

    @property
    def text(self) -> Text:
        return self._text

    def set_text(self, text: Text) -> None:
        if text == self._text and self._strips:
            return
        self._text = text
        console = self.app.console
        self._strips = [Strip(list(line.render(console)), line.cell_len)
                        for line in text.split("\n", allow_blank=True)]
        self.refresh()

    def render_lines(self, crop):
        self._base = self.rich_style  # computed once per frame, not once per line
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        strip = self._strips[y] if y < len(self._strips) else Strip.blank(0)
        return strip.crop(0, width).extend_cell_length(width).apply_style(self._base)

    def render(self) -> Text:  # plain text for tests and screenshots of the widget's content
        return self._text
