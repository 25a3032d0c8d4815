"""The HTML report of one scored benchmark: a single self-contained file to open in a browser.

:func:`write_html` writes ``plots/<dataset>/report.html`` holding, with no network access needed
(figures embedded as base64 PNG, styles and the few lines of script inline):

* the summary table (best of each column in bold) and every figure :func:`write_report` drew;
* the per-attribute (OPE) or per-tag (VOT) tables;
* a per-sequence table, sortable by any column (click a header; click again to reverse), whose
  sequence names link to that sequence's overlap-over-time plot further down (inline SVG, one
  line per tracker, drawn here from the scorer's per-frame overlaps);
* the scoring convention's options and every note of the scorer (repairs, short files, missing
  sequences).

It reads only what it is given (the scorer's report, the tracker scores and the files written), so
its numbers are the tables' numbers.
"""

from __future__ import annotations

import base64
import dataclasses
import html
import math
import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from crpnbench.reports import tables as T

#: points per line of an overlap-over-time plot (longer sequences are averaged into this many bins)
OVERLAP_POINTS = 300

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:2em auto;
max-width:1200px;padding:0 1em;color:#222;background:#fff}
h1{font-size:1.6em;margin-bottom:.2em}h2{margin-top:2em;border-bottom:1px solid #ccc;padding-bottom:.2em}
table{border-collapse:collapse;margin:.6em 0 1.2em;font-size:.9em}
th,td{padding:.25em .6em;border-bottom:1px solid #e3e3e3;text-align:right;white-space:nowrap}
th{border-bottom:2px solid #555;background:#f6f6f6}td.text,th.text{text-align:left}
caption{caption-side:top;text-align:left;font-weight:600;padding:.3em 0}
table.sortable th{cursor:pointer;user-select:none}table.sortable th:hover{background:#e8eefc}
th.asc::after{content:" \\25B2";font-size:.7em}th.desc::after{content:" \\25BC";font-size:.7em}
.figures{display:flex;flex-wrap:wrap;gap:1em}figure{margin:0;flex:0 1 auto}
figure img{max-width:560px;width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:.8em;color:#555}.notes li{font-family:monospace;font-size:.85em}
.seq{margin:1em 0;padding:.4em;border:1px solid #eee}.seq:target{border-color:#3367d6;background:#f3f6ff}
.seq h3{margin:.2em 0;font-size:1em}.legend span{margin-right:1em;font-size:.85em}
.meta{color:#555}.scroll{overflow-x:auto}
"""

#: sort the table whose header was clicked: numbers numerically (empty cells last), text alphabetically
_JS = """
document.querySelectorAll('table.sortable').forEach(function (table) {
  table.querySelectorAll('th').forEach(function (th, col) {
    th.addEventListener('click', function () {
      var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
      var asc = !th.classList.contains('asc');
      table.querySelectorAll('th').forEach(function (h) { h.classList.remove('asc', 'desc'); });
      th.classList.add(asc ? 'asc' : 'desc');
      function key(row) {
        var cell = row.cells[col], v = cell.getAttribute('data-v');
        if (v === null) { v = cell.textContent.trim(); }
        var n = parseFloat(v);
        return (v !== '' && !isNaN(n) && isFinite(v)) ? n : v.toLowerCase();
      }
      rows.sort(function (a, b) {
        var x = key(a), y = key(b);
        if (x === '' && y !== '') { return 1; }
        if (y === '' && x !== '') { return -1; }
        if (typeof x !== typeof y) { x = String(x); y = String(y); }
        return (x < y ? -1 : x > y ? 1 : 0) * (asc ? 1 : -1);
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
});
"""


def sequence_anchor(name: str) -> str:
    """The element id of a sequence's overlap plot (``seq-`` + the name with unsafe characters as ``_``)."""
    return "seq-" + re.sub(r"[^A-Za-z0-9_.-]", "_", str(name))


def table_html(table: T.Table, *, sortable: bool = False, html_id: str | None = None) -> str:
    """A :class:`~crpnbench.reports.tables.Table` as an HTML table (printed values, best in bold)."""
    best = table.best_rows()
    out = [f'<table{_attr("id", html_id)} class="{"sortable" if sortable else "plain"}">']
    if table.caption:
        out.append(f"<caption>{html.escape(table.caption)}</caption>")
    out.append("<thead><tr>" + "".join(
        f'<th class="{"text" if c.decimals is None else "num"}">{html.escape(c.header)}</th>'
        for c in table.columns) + "</tr></thead><tbody>")
    for index, cells in enumerate(table.formatted_rows()):
        row = []
        for column, cell in zip(table.columns, cells):
            text = html.escape(cell) if cell != "" else "&ndash;"
            if cell != "" and index in best.get(column.key, ()):
                text = f"<b>{text}</b>"
            kind = "text" if column.decimals is None else "num"
            row.append(f'<td class="{kind}" data-v="{html.escape(cell)}">{text}</td>')
        out.append("<tr>" + "".join(row) + "</tr>")
    out.append("</tbody></table>")
    for note in table.notes:
        out.append(f'<p class="meta">{html.escape(note)}</p>')
    return "\n".join(out)


def _attr(name: str, value) -> str:
    return "" if value is None else f' {name}="{html.escape(str(value))}"'


def _figure(path: Path) -> str:
    data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    stem = Path(path).stem
    return (f'<figure id="fig-{html.escape(stem)}"><img alt="{html.escape(stem)}" '
            f'src="data:image/png;base64,{data}"><figcaption>{html.escape(stem)}.png / .pdf</figcaption></figure>')


def _png(plot) -> Path | None:
    return next((p for p in getattr(plot, "paths", []) if Path(p).suffix == ".png" and Path(p).is_file()), None)


def overlap_svg(overlaps: Mapping[str, np.ndarray], colours: Mapping[str, str], *, width: int = 760,
                height: int = 150, points: int = OVERLAP_POINTS) -> str:
    """Overlap over time as an inline SVG: one polyline per tracker (gaps where the overlap is NaN),
    x = frame, y = overlap 0..1; sequences longer than ``points`` frames are averaged into bins."""
    left, right, top, bottom = 34, 8, 6, 20
    plot_w, plot_h = width - left - right, height - top - bottom
    longest = max((len(v) for v in overlaps.values()), default=1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img">',
             f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#fafafa" stroke="#bbb"/>']
    for level in (0.0, 0.5, 1.0):
        y = top + plot_h * (1 - level)
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
                     f'<text x="{left - 4}" y="{y + 4:.1f}" font-size="10" text-anchor="end">{level:g}</text>')
    parts.append(f'<text x="{left}" y="{height - 5}" font-size="10">frame 1</text>'
                 f'<text x="{left + plot_w}" y="{height - 5}" font-size="10" text-anchor="end">{longest}</text>')
    for name, values in overlaps.items():
        values = np.asarray(values, dtype=np.float64).reshape(-1)
        if values.size == 0:
            continue
        frames = np.arange(values.size, dtype=np.float64)
        if values.size > points:
            edges = np.linspace(0, values.size, points + 1).astype(int)
            with np.errstate(invalid="ignore"), _quiet():
                values = np.array([np.nanmean(values[a:b]) if np.isfinite(values[a:b]).any() else np.nan
                                   for a, b in zip(edges[:-1], edges[1:])])
            frames = 0.5 * (edges[:-1] + edges[1:] - 1)
        xs = left + plot_w * frames / max(longest - 1, 1)
        ys = top + plot_h * (1 - np.clip(values, 0, 1))
        for run in _finite_runs(values):
            coords = " ".join(f"{xs[i]:.0f},{ys[i]:.0f}" for i in run)
            if len(run) == 1:
                parts.append(f'<circle cx="{xs[run[0]]:.1f}" cy="{ys[run[0]]:.1f}" r="1" '
                             f'fill="{colours.get(name, "#333")}"/>')
            else:
                parts.append(f'<polyline fill="none" stroke="{colours.get(name, "#333")}" stroke-width="1.2" '
                             f'points="{coords}"><title>{html.escape(name)}</title></polyline>')
    parts.append("</svg>")
    return "".join(parts)


class _quiet:
    def __enter__(self):
        import warnings

        self._catch = warnings.catch_warnings()
        self._catch.__enter__()
        warnings.simplefilter("ignore", RuntimeWarning)

    def __exit__(self, *exc):
        return self._catch.__exit__(*exc)


def _finite_runs(values: np.ndarray) -> list[list[int]]:
    runs, current = [], []
    for i, ok in enumerate(np.isfinite(values)):
        if ok:
            current.append(i)
        elif current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    return runs


def _sequence_table(trackers, kind: str, attributes: Mapping[str, tuple] | None) -> T.Table | None:
    """Sequences as rows; frames, attributes (OPE) and every tracker's per-sequence scores as columns."""
    frames = {n: t.per_sequence for n, t in trackers.items() if t.per_sequence is not None and len(t.per_sequence)}
    if not frames:
        return None
    names = []
    for table in frames.values():
        names += [str(s) for s in table.index if str(s) not in names]
    if kind != "ope":
        metrics = [("accuracy", "A", True), ("failures", "F", False)]
    elif any("success" in table.columns for table in frames.values()):
        metrics = [("success", "AUC", True)]
    else:  # average overlap: VOT's unsupervised experiment (and GOT-10k's AO)
        metrics = [("ao", "AO", True)]
    if any("repetitions" in table.columns for table in frames.values()):  # VOT runs per sequence
        metrics.append(("repetitions", "runs", None))
    columns = [T.Column("sequence", "Sequence", None, None), T.Column("frames", "Frames", 0, None)]
    if attributes:
        columns.append(T.Column("attributes", "Attributes", None, None))
    for tracker in frames:
        for key, short, higher in metrics:
            decimals = 3
            if key == "repetitions":
                decimals = 0
            elif key == "failures":  # whole numbers, unless averaged over repetitions (0.5)
                whole = all(float(v).is_integer() for v in frames[tracker].get(key, ()) if v == v)
                decimals = 0 if whole else 2
            columns.append(T.Column(f"{tracker}\x00{key}", f"{tracker} {short}", decimals, None))
    rows = []
    for name in names:
        row = {"sequence": name}
        if attributes:
            row["attributes"] = " ".join(attributes.get(name, ()))
        for tracker, table in frames.items():
            if name not in table.index:
                continue
            record = table.loc[name]
            if "frames" in record and row.get("frames") is None:
                row["frames"] = int(record["frames"])
            for key, _, _ in metrics:
                if key in record:
                    value = float(record[key])
                    row[f"{tracker}\x00{key}"] = None if math.isnan(value) else value
        rows.append(row)
    return T.Table(columns, rows, caption="Per sequence (click a header to sort; a name opens its overlap plot)",
                   bold_best=False)


def write_html(path: str | Path, *, dataset: str, title: str, kind: str, protocol: str, report, trackers,
               files, attribute_names: Mapping[str, str] | None = None, benchmark=None) -> Path:
    """Write the report page to ``path`` and return it (see the module doc for what it holds)."""
    from crpnbench.atomic import write_text_atomic
    from crpnbench.reports.plots import line_style, rank_by_score

    main_key = "success" if kind == "ope" else "eao"
    order = rank_by_score({n: (t.summary.get(main_key) if t.summary.get(main_key) is not None else float("nan"))
                           for n, t in trackers.items()})
    colours = {name: line_style(i)["color"] for i, name in enumerate(order)}
    heading = f"{title} — {protocol.upper() if protocol == 'ope' else protocol}"
    convention = getattr(report, "convention", None)
    body = [f"<h1>{html.escape(heading)}</h1>",
            f'<p class="meta">{len(trackers)} trackers · dataset <code>{html.escape(dataset)}</code> · '
            f'scoring convention <code>{html.escape(str(getattr(convention, "name", convention)))}</code> · '
            f'crpnbench {html.escape(_version())}</p>',
            '<nav><a href="#summary">Summary</a> · <a href="#figures">Figures</a> · '
            f'<a href="#attributes">{"Attributes" if kind == "ope" else "Visual attributes (tags)"}</a> · '
            '<a href="#sequences">Sequences</a> · <a href="#overlaps">Overlap over time</a> · '
            '<a href="#convention">Convention</a> · <a href="#notes">Notes</a></nav>']

    summary = files.tables.get(f"{dataset}_summary")
    body.append('<h2 id="summary">Summary</h2>')
    if summary is not None:
        body.append(f'<div class="scroll">{table_html(summary, sortable=True, html_id="summary-table")}</div>')

    body.append('<h2 id="figures">Figures</h2>')
    main = [p for p in files.plots if not p.stem.startswith(("success_attr_", "precision_attr_"))]
    body.append('<div class="figures">' + "".join(_figure(png) for png in map(_png, main) if png) + "</div>")
    attribute_plots = [p for p in files.plots if p.stem.startswith("success_attr_")]
    if attribute_plots:
        body.append("<h3>Per attribute: success (left) and precision (right)</h3>")
        by_stem = {p.stem: p for p in files.plots}
        for plot in attribute_plots:
            pair = [plot, by_stem.get("precision_attr_" + plot.stem[len("success_attr_"):])]
            body.append('<div class="figures">' + "".join(
                _figure(png) for png in (_png(p) for p in pair if p is not None) if png) + "</div>")

    body.append(f'<h2 id="attributes">{"Per attribute" if kind == "ope" else "Per visual attribute (VOT tags)"}</h2>')
    extra = [t for stem, t in files.tables.items() if stem != f"{dataset}_summary"]
    if extra:
        body += [f'<div class="scroll">{table_html(t, sortable=True)}</div>' for t in extra]
    else:
        body.append('<p class="meta">No attributes for these sequences.</p>')

    attributes = None
    if benchmark is not None and kind == "ope":
        attributes = {seq.name: tuple(seq.attributes) for seq in benchmark}
    body.append('<h2 id="sequences">Per sequence</h2>')
    sequences = _sequence_table(trackers, kind, attributes)
    overlaps_by_seq: dict[str, dict[str, np.ndarray]] = {}
    for name in order:
        for seq, values in trackers[name].sequence_overlaps.items():
            overlaps_by_seq.setdefault(str(seq), {})[name] = values
    if sequences is not None:
        table = table_html(sequences, sortable=True, html_id="sequence-table")
        for name in overlaps_by_seq:  # the sequence cell links to its overlap plot
            cell = f'<td class="text" data-v="{html.escape(name)}">{html.escape(name)}</td>'
            link = (f'<td class="text" data-v="{html.escape(name)}"><a href="#{sequence_anchor(name)}">'
                    f'{html.escape(name)}</a></td>')
            table = table.replace(cell, link, 1)
        body.append(f'<div class="scroll">{table}</div>')

    body.append('<h2 id="overlaps">Overlap over time</h2>')
    body.append('<p class="legend">' + "".join(
        f'<span><svg width="22" height="8"><line x1="0" x2="22" y1="4" y2="4" stroke="{colours[n]}" '
        f'stroke-width="2"/></svg> {html.escape(n)}</span>' for n in order) + "</p>")
    what = ("IoU per frame (gaps: frames outside the convention's denominator)" if kind == "ope" else
            "overlap per frame (gaps: initialisation, failure, skipped and burn-in frames)")
    body.append(f'<p class="meta">{what}; sequences longer than {OVERLAP_POINTS} frames are averaged into '
                f"{OVERLAP_POINTS} bins.</p>")
    for seq, overlaps in overlaps_by_seq.items():
        body.append(f'<div class="seq" id="{sequence_anchor(seq)}"><h3>{html.escape(seq)} '
                    f'<a href="#sequence-table" class="meta">↑ table</a></h3>{overlap_svg(overlaps, colours)}</div>')

    body.append('<h2 id="convention">Scoring convention</h2>')
    body.append(_convention_html(convention))
    body.append('<h2 id="notes">Notes</h2>')
    notes = list(getattr(report, "notes", []) or [])
    if notes:
        body.append('<ul class="notes">' + "".join(f"<li>{html.escape(str(n))}</li>" for n in notes) + "</ul>")
    else:
        body.append('<p class="meta">None: every result file matched its sequence.</p>')

    page = ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(heading)}</title><meta name=\"viewport\" content=\"width=device-width\">"
            f"<style>{_CSS}</style></head><body>\n" + "\n".join(body) + f"\n<script>{_JS}</script>\n</body></html>\n")
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    return write_text_atomic(Path(path), page)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("crpnbench")
    except PackageNotFoundError:
        return "(not installed)"


def _convention_html(convention) -> str:
    if convention is None:
        return '<p class="meta">Not given.</p>'
    if dataclasses.is_dataclass(convention):
        items = dataclasses.asdict(convention).items()
    else:
        items = [(k, v) for k, v in vars(convention).items() if not k.startswith("_")]
    rows = "".join(f'<tr><td class="text"><code>{html.escape(str(k))}</code></td>'
                   f'<td class="text">{html.escape(str(v))}</td></tr>' for k, v in items)
    doc = (type(convention).__doc__ or "").strip().splitlines()
    lead = f'<p class="meta">{html.escape(doc[0])}</p>' if doc else ""
    return f'{lead}<table id="convention-table"><thead><tr><th class="text">option</th><th class="text">value</th>' \
           f"</tr></thead><tbody>{rows}</tbody></table>"
