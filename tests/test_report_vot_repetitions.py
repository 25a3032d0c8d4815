"""`crpnbench plot` / `report` on VOT results with repetitions (the spread beside A, R, EAO) and on the
unsupervised experiment (titles say "unsupervised", the AO is what `crpnbench score` prints), on the real
VOT2018 raw results of refdata with repetitions and unsupervised folders built from them in tmp_path."""

from __future__ import annotations

import json
import shutil

from click.testing import CliRunner

from crpnbench.cli import cli
from crpnbench.reports.tables import read_table
from tests.test_vot_repetitions import _plant_failure, _tracker

SUBSET = ["bag", "book", "crossing", "ants1", "fernando"]
#: sequences where neither DaSiamRPN nor Ocean fails in refdata's baseline files, so they are valid
#: unsupervised results (initialised once on frame 1, never reset)
NO_FAILURE = ["bag", "ball2", "bmx"]


def _run(*args):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def _records(refdata, results, sequences, tmp_path, protocol=None):
    extra = ["--protocol", protocol] if protocol else []
    scored = _run("score", "--dataset", "vot2018", "--annotations", str(refdata / "vot2018" / "VOT2018.json"),
                  "--results", str(results), "--sequences", ",".join(sequences), "--json", "-",
                  "--out", str(tmp_path / "scored"), *extra)
    return {r["tracker"]: r for r in json.loads(scored.stdout)}


def test_plot_shows_the_spread_over_repetitions_beside_a_r_and_eao(refdata, tmp_path):
    results = tmp_path / "results"
    planted = _tracker(refdata, results, "planted", copies=2)  # _002 = _001 with a failure in bag
    _plant_failure(planted / "baseline" / "bag" / "bag_002.txt", 50)
    _tracker(refdata, results, "single")
    records = _records(refdata, results, SUBSET, tmp_path)
    assert records["planted"]["repetitions"] == 2 and "repetitions" not in records["single"]
    assert records["planted"]["eao_std"] > 0 and records["planted"]["robustness_std"] > 0

    out = tmp_path / "out"
    _run("report", "--dataset", "vot2018", "--annotations", str(refdata / "vot2018" / "VOT2018.json"),
         "--results", str(results), "--sequences", ",".join(SUBSET), "--out", str(out), "--quiet")
    for suffix in ("csv", "md", "tex"):
        rows = {r["Tracker"]: r for r in read_table(out / "tables" / f"vot2018_summary.{suffix}")}
        planted_row, single_row = rows["planted"], rows["single"]
        for header, key in (("Accuracy", "accuracy"), ("Accuracy std", "accuracy_std"),
                            ("Robustness", "robustness"), ("Robustness std", "robustness_std"),
                            ("EAO", "eao"), ("EAO std", "eao_std")):
            assert planted_row[header] == round(records["planted"][key], 3), (suffix, header)
        assert planted_row["Repetitions"] == 2
        assert single_row["EAO"] == round(records["single"]["eao"], 3)
        # one run: no spread, no count (empty cells), exactly as `score` leaves them out
        assert single_row["Accuracy std"] is None and single_row["EAO std"] is None
        assert single_row["Repetitions"] is None
    page = (out / "plots" / "vot2018" / "report.html").read_text(encoding="utf-8")
    summary = page[page.index('id="summary-table"'):]
    summary = summary[:summary.index("</table>")]
    for header in ("Accuracy std", "Robustness std", "EAO std", "Repetitions"):
        assert f">{header}</th>" in summary
    assert f'data-v="{records["planted"]["eao_std"]:.3f}"' in summary
    assert "planted runs" in page  # the per-sequence table: repetitions per sequence
    assert 'data-v="0.50"' in page  # bag: failures averaged over the two repetitions (0 and 1)

    # trackers with one run each: the table is as before (no spread columns)
    single_only = tmp_path / "single_only"
    _run("plot", "--dataset", "vot2018", "--annotations", str(refdata / "vot2018" / "VOT2018.json"),
         "--results", str(results), "--tracker", "single", "--sequences", ",".join(SUBSET),
         "--out", str(single_only), "--quiet")
    header = (single_only / "tables" / "vot2018_summary.csv").read_text().splitlines()[0]
    assert header == "Tracker,Accuracy,Robustness,Failures,EAO"


def test_plot_and_report_on_the_unsupervised_experiment(refdata, tmp_path):
    results = tmp_path / "results"
    for tracker in ("DaSiamRPN", "Ocean"):
        for seq in NO_FAILURE:
            source = refdata / "vot2018" / "results" / tracker / "baseline" / seq / f"{seq}_001.txt"
            assert "2" not in source.read_text().splitlines()
            folder = results / tracker / "unsupervised" / seq
            folder.mkdir(parents=True)
            shutil.copyfile(source, folder / f"{seq}_001.txt")
    records = _records(refdata, results, NO_FAILURE, tmp_path, protocol="unsupervised")
    assert set(records) == {"DaSiamRPN", "Ocean"} and all(0 < r["ao"] < 1 for r in records.values())

    for command in ("plot", "report"):
        out = tmp_path / command
        printed = _run(command, "--dataset", "vot2018", "--annotations", str(refdata / "vot2018" / "VOT2018.json"),
                       "--results", str(results), "--protocol", "unsupervised", "--sequences", ",".join(NO_FAILURE),
                       "--out", str(out), "--quiet")
        plot_dir = out / "plots" / "vot2018"
        assert (plot_dir / "success.png").is_file() and (plot_dir / "report.html").is_file()
        assert str(plot_dir / ("success.png" if command == "plot" else "report.html")) in printed.output
        rows = {r["Tracker"]: r for r in read_table(out / "tables" / "vot2018_summary.md")}
        assert {n: r["AO"] for n, r in rows.items()} == {n: round(r["ao"], 3) for n, r in records.items()}
        text = (out / "tables" / "vot2018_summary.md").read_text()
        assert "unsupervised results" in text and "OPE" not in text
        assert "unsupervised" in (out / "tables" / "vot2018_summary.tex").read_text()
        page = (plot_dir / "report.html").read_text(encoding="utf-8")
        assert "<h1>VOT-2018 (3 of 60 sequences) — unsupervised</h1>" in page and "OPE" not in page
        assert "DaSiamRPN AO" in page  # the per-sequence table shows each sequence's AO

    from crpnbench.reports.report import plot_results

    files = plot_results("vot2018", annotations=refdata / "vot2018" / "VOT2018.json", results=results,
                         protocol="unsupervised", sequences=NO_FAILURE, out=tmp_path / "lib", html=False)
    success = files.plot("success")
    assert success.axes.get_title() == "Success plots of the unsupervised experiment on VOT-2018\n(3 of 60 sequences)"
    shown = {label.split("] ", 1)[1]: float(label[1:].split("]")[0]) for label in success.legend_labels}
    assert shown == {n: round(r["ao"], 3) for n, r in records.items()}  # the legend's AO is score's
    assert [p.stem for p in files.plots] == ["success"]  # no precision curves for AO
