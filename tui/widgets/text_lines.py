"""A fixed-size block of styled lines drawn through Textual's line API, repainting only the lines
that changed.

The kiosk redraws its task list and live panel after every commit, and that frame sits between the
key press and the screen saying "Gemt". Measured at 80x24 (bench/kiosk_latency.py), a ``Static``
with Rich text costs about 3x more per frame than pre-rendered strips, and re-rendering both
blocks whole was ~75 % of the frame after a commit; a commit changes a few lines (a count, a row
of "Seneste her"), so only those are marked for repainting. Colours come from the stylesheet (the
widget's own style); the text carries only bold, reverse, dim and strike, so the console theme
still decides the colours.
"""

from __future__ import annotations

from rich.text import Text
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

RENDERED_CACHE = 256  # lines: the task list, the type list and the panel of a desk, several times


class TextLines(Widget):
    DEFAULT_CSS = """
    TextLines {
        height: 100%;
    }
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._text = Text()
        self._lines: list[Text] = []
        self._strips: list[Strip] = []
        # Rendered strips by line content: the task list comes back after every commit, mostly as
        # it was drawn before the type list replaced it.
        self._rendered: dict[tuple, Strip] = {}

    @property
    def text(self) -> Text:
        return self._text

    def set_text(self, text: Text) -> None:
        if text == self._text and self._strips:
            return
        lines = text.split("\n", allow_blank=True)
        old_lines, old_strips = self._lines, self._strips
        strips, changed = [], []
        for y, line in enumerate(lines):
            if y < len(old_lines) and old_lines[y] == line:
                strips.append(old_strips[y])
            else:
                strips.append(self._render_text_line(line))
                changed.append(y)
        changed.extend(range(len(lines), len(old_lines)))  # lines that are gone are blanked
        self._text, self._lines, self._strips = text, list(lines), strips
        self._refresh_lines(changed)

    def _render_text_line(self, line: Text) -> Strip:
        key = (line.plain, tuple(line.spans), str(line.style))
        strip = self._rendered.get(key)
        if strip is None:
            if len(self._rendered) >= RENDERED_CACHE:
                self._rendered.clear()
            strip = self._rendered[key] = Strip(list(line.render(self.app.console)), line.cell_len)
        return strip

    def _refresh_lines(self, changed: list[int]) -> None:
        """Mark only the changed lines for repainting (one region per run of adjacent lines)."""
        width = self.size.width
        if not changed or not width or not self.is_mounted:
            if changed or not self._strips:
                self.refresh()
            return
        regions, start = [], changed[0]
        for previous, y in zip(changed, changed[1:] + [None]):
            if y != previous + 1:
                regions.append(Region(0, start, width, previous - start + 1))
                start = y
        self.refresh(*regions)

    def render_lines(self, crop):
        self._base = self.rich_style  # computed once per frame, not once per line
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        strip = self._strips[y] if y < len(self._strips) else Strip.blank(0)
        return strip.crop(0, width).extend_cell_length(width).apply_style(self._base)

    def render(self) -> Text:  # plain text for tests and screenshots of the widget's content
        return self._text
