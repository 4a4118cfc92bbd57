"""Open a rendered report in Chromium as a reader would (offline) and read what Vega drew.

``open_report`` cuts every request that is not the file itself (or data:/blob:), and records the
console's errors AND warnings (Vega warns, and draws nothing, when a chart lost its data:
``Infinite extent for field ...``), uncaught errors and dialogs. ``drawn`` walks a chart's scenegraph
(``element.__amtView``, set by report.page_script) and returns each data mark it drew with its items'
data, so a test can check a chart against what the report's data says must be on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

WIDTH = 1280


@dataclass
class Seen:
    errors: list[str] = field(default_factory=list)  # console errors and uncaught exceptions
    warnings: list[str] = field(default_factory=list)  # console warnings (Vega's among them)
    dialogs: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        return [*self.errors, *self.warnings, *(f"dialog: {d}" for d in self.dialogs),
                *(f"fetched: {b}" for b in self.blocked)]


def open_report(browser: Any, path: Path, *, width: int = WIDTH, screenshot: Path | None = None,
                scale: float = 1.0) -> tuple[Any, Seen]:
    """The page opened offline and drawn; ``scale``: device pixels per CSS pixel (screenshots' size)."""
    page = browser.new_page(viewport={"width": width, "height": 900}, device_scale_factor=scale)
    seen = Seen()

    def route(route: Any) -> None:
        url = route.request.url
        if url.startswith(("file:", "data:", "blob:")):
            route.continue_()
        else:
            seen.blocked.append(url)
            route.abort()

    def console(message: Any) -> None:
        if message.type == "error":
            seen.errors.append(message.text)
        elif message.type == "warning":
            seen.warnings.append(message.text)

    def dialog(d: Any) -> None:
        seen.dialogs.append(d.message)
        d.dismiss()

    page.route("**/*", route)
    page.on("console", console)
    page.on("pageerror", lambda e: seen.errors.append(str(e)))
    page.on("dialog", dialog)
    page.goto(path.as_uri())
    page.wait_for_selector("body[data-charts-done='true']", timeout=120_000)
    if screenshot is not None:
        page.screenshot(path=str(screenshot), full_page=True)
    return page, seen


DRAWN_JS = """
([id, fields]) => {
  const marks = [];
  const walk = (node, path) => {
    if (!node) return;
    if (node.marktype && node.role === 'mark' || node.role === 'legend-symbol' ) {}
    if (node.marktype) {
      const name = node.name || '';
      marks.push({name: name, type: node.marktype, role: node.role || '', path: path,
                  items: (node.items || []).map(it => {
                    const d = it.datum || {}; const out = {};
                    fields.forEach(f => { if (f in d) out[f] = d[f]; });
                    out.__width = it.width === undefined ? null : it.width;
                    out.__fill = it.fill === undefined ? null : String(it.fill);
                    out.__stroke = it.stroke === undefined ? null : String(it.stroke);
                    out.__text = it.text === undefined ? null : String(it.text);
                    out.__opacity = it.opacity === undefined ? 1 : it.opacity;
                    out.__bounds = it.bounds ? [it.bounds.x1, it.bounds.y1, it.bounds.x2, it.bounds.y2] : null;
                    return out; })});
    }
    (node.items || []).forEach(it => walk(it, path + '/' + (node.name || node.role || node.marktype || '')));
  };
  const el = document.getElementById('chart-' + id);
  walk(el.__amtView.scenegraph().root, '');
  return marks;
}
"""


@dataclass
class Mark:
    name: str
    type: str
    role: str
    path: str
    items: list[dict[str, Any]]


def drawn(page: Any, chart: str, fields: tuple[str, ...] = ()) -> list[Mark]:
    """Every mark of the chart's scenegraph with its items (the datum's ``fields``, fill, stroke, text)."""
    return [Mark(**m) for m in page.evaluate(DRAWN_JS, [chart, list(fields)])]


def data_marks(page: Any, chart: str, fields: tuple[str, ...] = ()) -> list[Mark]:
    """The marks that draw data (role 'mark'), not axes, legends or titles."""
    return [m for m in drawn(page, chart, fields) if m.role == "mark"]


def axis_labels(page: Any, chart: str) -> list[str]:
    """The tick labels of every axis of the chart that a reader sees (Vega hides overlapping ones)."""
    return [label for axis in axes(page, chart) for label in axis.labels]


@dataclass
class Axis:
    title: str
    labels: list[str]  # the visible ones
    boxes: list[tuple[float, float, float, float]]  # their bounds: x1, y1, x2, y2


def axes(page: Any, chart: str) -> list[Axis]:
    """Each axis of the chart with its title and visible tick labels (an axis draws its labels, then its title)."""
    out: list[Axis] = []
    labels: list[dict[str, Any]] | None = None

    def close(title: str) -> None:
        shown = labels or []
        boxes = [tuple(it["__bounds"]) for it in shown if it["__bounds"]]
        out.append(Axis(title, [it["__text"] for it in shown], boxes))

    for mark in drawn(page, chart):
        if mark.role == "axis-label":
            if labels is not None:  # the previous axis had no title
                close("")
            labels = [it for it in mark.items if it["__text"] and it["__opacity"]]  # shown: with text, opaque
        elif mark.role == "axis-title":
            close(next((it["__text"] for it in mark.items if it["__text"]), ""))
            labels = None
    if labels is not None:
        close("")
    return out
