"""Summary tables as CSV, Markdown and LaTeX (booktabs), and a reader that parses each back.

A :class:`Table` is a list of rows (dicts) and the :class:`Column` s to print, each with its
own number format (3 decimals for AUC/precision/EAO, 1 for fps, integers for failures). All
three files hold the *printed* values, so reading any of them back with :func:`read_table`
gives the same numbers. LaTeX is written by hand (no jinja2 needed): ``\\toprule``,
``\\midrule``, ``\\bottomrule``, special characters escaped, the best value of each column in
bold (``**x**`` in Markdown); the reader undoes all of that.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from crpnbench.errors import DataError
from crpnbench.atomic import write_text_atomic

MISSING = "–"  # printed for an unknown value (en dash) in Markdown/LaTeX; empty cell in CSV


@dataclass(frozen=True)
class Column:
    """A printed column: ``key`` in the row dicts, ``header`` text, ``decimals`` (0 = integer;
    None = text) and whether higher values are better (for bolding the best)."""

    key: str
    header: str
    decimals: int | None = 3
    higher_is_better: bool | None = True

    def format(self, value) -> str:
        if self.decimals is None:
            return "" if value is None else str(value)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return ""
        if self.decimals == 0:
            return str(int(round(float(value))))
        return f"{float(value):.{self.decimals}f}"


@dataclass
class Table:
    """Rows (dicts keyed by :attr:`Column.key`) printed under ``columns``; ``caption`` goes
    into the LaTeX caption and the Markdown heading."""

    columns: list[Column]
    rows: list[dict]
    caption: str = ""
    label: str = ""
    bold_best: bool = True
    notes: list[str] = field(default_factory=list)

    def formatted_rows(self) -> list[list[str]]:
        return [[column.format(row.get(column.key)) for column in self.columns] for row in self.rows]

    def best_rows(self) -> dict[str, set[int]]:
        """Column key -> indices of rows holding the best printed value (ties all bold)."""
        best: dict[str, set[int]] = {}
        if not self.bold_best or len(self.rows) < 2:
            return best
        for column in self.columns:
            if column.decimals is None or column.higher_is_better is None:
                continue
            printed = [column.format(row.get(column.key)) for row in self.rows]
            values = [(i, float(p)) for i, p in enumerate(printed) if p != ""]
            if not values:
                continue
            target = (max if column.higher_is_better else min)(v for _, v in values)
            best[column.key] = {i for i, v in values if v == target}
        return best


# --------------------------------------------------------------------------- cells of text tables

def mean_std_cell(mean, std=None, decimals: int = 3) -> str:
    """``"0.452 ± 0.013"`` (mean ± standard deviation), ``"0.452"`` without a deviation, ``""`` without a mean.

    For tables whose columns are text (the transposed ablation tables: one column per variant)."""
    if mean is None or (isinstance(mean, float) and math.isnan(mean)):
        return ""
    text = f"{float(mean):.{decimals}f}"
    if std is not None and not (isinstance(std, float) and math.isnan(std)):
        text += f" ± {float(std):.{decimals}f}"
    return text


def interval_cell(estimate, low, high, decimals: int = 3, signed: bool = True) -> str:
    """``"+0.021 [-0.005, +0.047]"``: an estimate and its confidence interval (signs shown when ``signed``)."""
    if estimate is None:
        return ""
    spec = f"{'+' if signed else ''}.{decimals}f"
    return f"{float(estimate):{spec}} [{float(low):{spec}}, {float(high):{spec}}]"


# --------------------------------------------------------------------------- writers

def to_csv(table: Table) -> str:
    """Header row of column headers, then one row per table row (printed precision)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([c.header for c in table.columns])
    writer.writerows(table.formatted_rows())
    return buffer.getvalue()


def to_markdown(table: Table) -> str:
    """A GitHub-flavoured Markdown table; numbers right-aligned, the best in bold."""
    best = table.best_rows()
    lines = []
    if table.caption:
        lines += [f"**{table.caption}**", ""]
    lines.append("| " + " | ".join(_md_escape(c.header) for c in table.columns) + " |")
    lines.append("|" + "|".join("---:" if c.decimals is not None else ":---" for c in table.columns) + "|")
    for index, cells in enumerate(table.formatted_rows()):
        out = []
        for column, cell in zip(table.columns, cells):
            if cell == "":
                cell = MISSING
            elif index in best.get(column.key, ()):
                cell = f"**{cell}**"
            else:
                cell = _md_escape(cell) if column.decimals is None else cell
            out.append(cell)
        lines.append("| " + " | ".join(out) + " |")
    for note in table.notes:
        lines += ["", note]
    return "\n".join(lines) + "\n"


def to_latex(table: Table) -> str:
    """A booktabs ``table`` environment (needs ``\\usepackage{booktabs}``); best in bold."""
    best = table.best_rows()
    spec = "".join("r" if c.decimals is not None else "l" for c in table.columns)
    lines = ["\\begin{table}[t]", "\\centering"]
    if table.caption:
        lines.append(f"\\caption{{{latex_escape(table.caption)}}}")
    if table.label:
        lines.append(f"\\label{{{table.label}}}")
    lines += [f"\\begin{{tabular}}{{{spec}}}", "\\toprule"]
    lines.append(" & ".join(latex_escape(c.header) for c in table.columns) + " \\\\")
    lines.append("\\midrule")
    for index, cells in enumerate(table.formatted_rows()):
        out = []
        for column, cell in zip(table.columns, cells):
            if cell == "":
                cell = "--"
            elif index in best.get(column.key, ()):
                cell = f"\\textbf{{{cell}}}"
            else:
                cell = latex_escape(cell)
            out.append(cell)
        lines.append(" & ".join(out) + " \\\\")
    lines += ["\\bottomrule", "\\end{tabular}"]
    for note in table.notes:  # below the tabular, inside the float (the reader stops at \end{tabular})
        lines.append(f"\\par\\smallskip{{\\footnotesize {latex_escape(note)}}}")
    lines.append("\\end{table}")
    return "\n".join(lines) + "\n"


def write_table(table: Table, out_dir: str | Path, stem: str) -> list[Path]:
    """Write ``<stem>.csv``, ``<stem>.md`` and ``<stem>.tex`` under ``out_dir``; return the paths."""
    out_dir = Path(out_dir)
    return [
        write_text_atomic(out_dir / f"{stem}.csv", to_csv(table)),
        write_text_atomic(out_dir / f"{stem}.md", to_markdown(table)),
        write_text_atomic(out_dir / f"{stem}.tex", to_latex(table)),
    ]


_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
    # the symbols of the ablation tables (mean ± std, Δ rows, minus signs)
    "±": r"$\pm$", "Δ": r"$\Delta$", "−": r"$-$",
}


def latex_escape(text: str) -> str:
    """Escape LaTeX's special characters (``SiamRPN_v2`` -> ``SiamRPN\\_v2``)."""
    return "".join(_LATEX_SPECIAL.get(ch, ch) for ch in str(text))


def latex_unescape(text: str) -> str:
    """Inverse of :func:`latex_escape`."""
    out = text
    for ch, escaped in sorted(_LATEX_SPECIAL.items(), key=lambda kv: -len(kv[1])):
        out = out.replace(escaped, ch)
    return out


def _md_escape(text: str) -> str:
    return str(text).replace("|", "\\|")


# --------------------------------------------------------------------------- readers

def read_table(path: str | Path) -> list[dict]:
    """Parse a table written by :func:`write_table` (``.csv``, ``.md`` or ``.tex``) back into
    rows keyed by column header; numbers become ``float`` (``int`` when printed without a
    decimal point), missing cells ``None``, bold markers and LaTeX escapes are removed.

    Raises :class:`DataError` naming the file and line when a row has the wrong number of cells.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DataError(f"cannot read table: {exc.strerror or exc}", path=path) from None
    suffix = path.suffix.lower()
    if suffix == ".csv":
        rows = [(i + 1, r) for i, r in enumerate(csv.reader(io.StringIO(text))) if r]
    elif suffix == ".md":
        rows = _markdown_rows(text)
    elif suffix == ".tex":
        rows = _latex_rows(text, path)
    else:
        raise DataError("unknown table format (expected .csv, .md or .tex)", path=path)
    if not rows:
        raise DataError("no table found", path=path)
    (_, header), body = rows[0], rows[1:]
    header = [_clean_cell(h) for h in header]
    parsed = []
    for line, cells in body:
        if len(cells) != len(header):
            raise DataError(f"row has {len(cells)} cells, header has {len(header)}", path=path, line=line)
        parsed.append({h: _parse_value(_clean_cell(c)) for h, c in zip(header, cells)})
    return parsed


def _markdown_rows(text: str) -> list[tuple[int, list[str]]]:
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not (stripped.startswith("|") and stripped.endswith("|")):
            continue
        cells = [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", stripped[1:-1])]
        if all(re.fullmatch(r":?-{3,}:?", c) for c in cells):
            continue
        rows.append((number, cells))
    return rows


def _latex_rows(text: str, path: Path) -> list[tuple[int, list[str]]]:
    rows, inside = [], False
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("\\begin{tabular}"):
            inside = True
            continue
        if stripped.startswith("\\end{tabular}"):
            break
        if not inside or stripped.startswith(("\\toprule", "\\midrule", "\\bottomrule", "%")) or not stripped:
            continue
        if not stripped.endswith("\\\\"):
            raise DataError("table row does not end with \\\\", path=path, line=number)
        cells = [c.strip() for c in re.split(r"(?<!\\)&", stripped[:-2])]
        rows.append((number, [latex_unescape(c) for c in cells]))
    return rows


def _clean_cell(cell: str) -> str:
    cell = cell.strip()
    match = re.fullmatch(r"\\textbf\{(.*)\}", cell) or re.fullmatch(r"\*\*(.*)\*\*", cell)
    return match.group(1).strip() if match else cell


def _parse_value(cell: str):
    if cell in ("", MISSING, "--"):
        return None
    if re.fullmatch(r"[-+]?\d+", cell):
        return int(cell)
    try:
        return float(cell)
    except ValueError:
        return cell


# --------------------------------------------------------------------------- standard layouts

#: OPE summary (OTB, LaSOT, TrackingNet, synthetic)
OPE_COLUMNS = [
    Column("tracker", "Tracker", None, None),
    Column("success", "Success (AUC)", 3),
    Column("precision", "Precision", 3),
    Column("norm_precision", "Norm. precision", 3),
    Column("op50", "OP50", 3),  # success rate at IoU > 0.5 (pytracking)
    Column("op75", "OP75", 3),  # ... at IoU > 0.75
    Column("fps", "FPS", 1),
]

#: VOT baseline summary; the spread columns (std over repetitions, never bold) and the repetition count
#: appear only when a tracker has several repetitions (:func:`summary_table` drops empty columns)
VOT_COLUMNS = [
    Column("tracker", "Tracker", None, None),
    Column("accuracy", "Accuracy", 3),
    Column("accuracy_std", "Accuracy std", 3, None),
    Column("robustness", "Robustness", 3, higher_is_better=False),
    Column("robustness_std", "Robustness std", 3, None),
    Column("failures", "Failures", 0, higher_is_better=False),
    Column("eao", "EAO", 3),
    Column("eao_std", "EAO std", 3, None),
    Column("repetitions", "Repetitions", 0, None),
    Column("fps", "FPS", 1),
]

#: VOT unsupervised experiment summary (average overlap; the scorer's AO is the summary's ``success``)
UNSUPERVISED_COLUMNS = [
    Column("tracker", "Tracker", None, None),
    Column("success", "AO", 3),
    Column("repetitions", "Repetitions", 0, None),
    Column("fps", "FPS", 1),
]

#: GOT-10k summary: its own metrics AO, SR0.5, SR0.75 (never "success"; sort with ``sort_key="ao"``)
GOT10K_COLUMNS = [
    Column("tracker", "Tracker", None, None),
    Column("ao", "AO", 3),
    Column("sr50", "SR0.5", 3),
    Column("sr75", "SR0.75", 3),
    Column("repetitions", "Repetitions", 0, None),  # runs per sequence (_001.._003), only when several
    Column("fps", "FPS", 1),
]

#: summary layouts by kind
SUMMARY_LAYOUTS = {"ope": OPE_COLUMNS, "vot": VOT_COLUMNS, "unsupervised": UNSUPERVISED_COLUMNS,
                   "got10k": GOT10K_COLUMNS}


def summary_table(rows: Sequence[Mapping], kind: str = "ope", caption: str = "", sort_key: str | None = None) -> Table:
    """A summary :class:`Table` in the OPE, VOT or unsupervised layout (:data:`SUMMARY_LAYOUTS`; any
    other kind: VOT), sorted best first by ``sort_key`` (default: EAO for VOT, else success, which is
    the AO in the unsupervised layout). Columns with no value in any row are dropped."""
    columns = SUMMARY_LAYOUTS.get(kind, VOT_COLUMNS)
    sort_key = sort_key or ("eao" if columns is VOT_COLUMNS else "success")
    rows = [dict(r) for r in rows]
    columns = [c for c in columns if c.decimals is None or any(_present(r.get(c.key)) for r in rows)]

    def key(row):
        value = row.get(sort_key)
        return (0, -float(value), str(row.get("tracker"))) if _present(value) else (1, 0.0, str(row.get("tracker")))

    rows.sort(key=key)
    return Table(columns, rows, caption=caption)


def _present(value) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))
