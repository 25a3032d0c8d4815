"""Summary tables: CSV, Markdown and LaTeX files parse back to the printed numbers."""

from __future__ import annotations

import math

import pytest

from crpnbench.errors import DataError
from crpnbench.reports.tables import Column, Table, read_table, summary_table, to_latex, write_table

ROWS = [
    {"tracker": "SiamRPN++", "success": 0.69612, "precision": 0.90541, "norm_precision": None, "fps": 35.04},
    {"tracker": "DaSiamRPN", "success": 0.65847, "precision": 0.88049, "norm_precision": float("nan"), "fps": 160.0},
    {"tracker": "my_tracker & co", "success": 0.70049, "precision": 0.9, "norm_precision": None, "fps": None},
]


def test_every_format_parses_back_to_the_printed_numbers(tmp_path):
    table = summary_table(ROWS, kind="ope", caption="OTB-2015 (OPE)")
    paths = write_table(table, tmp_path, "summary")
    assert [p.suffix for p in paths] == [".csv", ".md", ".tex"]
    # sorted best first by success; the all-missing norm-precision column is dropped
    headers = [c.header for c in table.columns]
    assert headers == ["Tracker", "Success (AUC)", "Precision", "FPS"]
    for path in paths:
        rows = read_table(path)
        assert [r["Tracker"] for r in rows] == ["my_tracker & co", "SiamRPN++", "DaSiamRPN"], path
        by_name = {r["Tracker"]: r for r in rows}
        for source in ROWS:
            parsed = by_name[source["tracker"]]
            assert parsed["Success (AUC)"] == round(source["success"], 3)
            assert parsed["Precision"] == round(source["precision"], 3)
            if source["fps"] is None:
                assert parsed["FPS"] is None
            else:
                assert parsed["FPS"] == round(source["fps"], 1)


def test_latex_is_booktabs_escaped_and_bolds_the_best(tmp_path):
    text = to_latex(summary_table(ROWS, caption="50% of OTB_2015"))
    assert "\\toprule" in text and "\\midrule" in text and "\\bottomrule" in text
    assert "my\\_tracker \\& co" in text
    assert "50\\% of OTB\\_2015" in text
    best_row = next(line for line in text.splitlines() if line.startswith("my\\_tracker"))
    assert "\\textbf{0.700}" in best_row and "\\textbf{0.905}" not in best_row
    assert "\\textbf{160.0}" in text  # fastest


def test_vot_layout_lower_is_better_for_robustness_and_failures(tmp_path):
    rows = [
        {"tracker": "DaSiamRPN", "accuracy": 0.586, "robustness": 0.276, "failures": 59, "eao": 0.383},
        {"tracker": "Ocean", "accuracy": 0.589, "robustness": 0.220, "failures": 47, "eao": 0.386},
    ]
    table = summary_table(rows, kind="vot")
    md_path = write_table(table, tmp_path, "vot")[1]
    text = md_path.read_text()
    assert "**47**" in text and "**0.220**" in text and "**59**" not in text
    parsed = read_table(md_path)
    assert parsed[0] == {"Tracker": "Ocean", "Accuracy": 0.589, "Robustness": 0.22, "Failures": 47, "EAO": 0.386}
    assert isinstance(parsed[0]["Failures"], int)


def test_bad_table_row_names_file_and_line(tmp_path):
    path = tmp_path / "broken.csv"
    path.write_text("Tracker,AUC\nA,0.5\nB,0.4,extra\n")
    with pytest.raises(DataError) as info:
        read_table(path)
    assert str(info.value).startswith(f"{path}:3:")
    bad_tex = tmp_path / "broken.tex"
    bad_tex.write_text("\\begin{tabular}{lr}\n\\toprule\nTracker & AUC \\\\\n\\midrule\nA & 0.5\n\\end{tabular}\n")
    with pytest.raises(DataError, match=r"broken.tex:5:"):
        read_table(bad_tex)


def test_integer_and_text_columns_round_trip(tmp_path):
    table = Table([Column("variant", "Variant", None, None), Column("stages", "Stages", 0),
                   Column("auc", "SUC", 3)],
                  [{"variant": "crpn-small-1stage", "stages": 1, "auc": 0.41749},
                   {"variant": "crpn|pipe", "stages": 3, "auc": math.nan}])
    for path in write_table(table, tmp_path, "t"):
        rows = read_table(path)
        assert rows == [{"Variant": "crpn-small-1stage", "Stages": 1, "SUC": 0.417},
                        {"Variant": "crpn|pipe", "Stages": 3, "SUC": None}], path
