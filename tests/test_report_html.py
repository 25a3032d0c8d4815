"""`crpnbench report`: one self-contained HTML page, checked the way a user sees it — rendered by a real
headless Chromium (Debian package `chromium`): the screenshot is not blank, the tables are in the DOM, the
per-sequence table sorts on a header click and its links reach the overlap plots."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from crpnbench.cli import cli
from crpnbench.reports.html import sequence_anchor

CHROMIUM = Path("/usr/bin/chromium")
SEQUENCES = "Basketball,Biker,Couple,Crossing,David,Football1,Jogging-1,Skating2-1"


def chromium() -> str:
    if CHROMIUM.is_file():
        return str(CHROMIUM)
    found = shutil.which("chromium")
    if found:
        return found
    if os.environ.get("CI", "").strip().lower() in ("true", "1", "yes"):
        pytest.fail("CI=true needs /usr/bin/chromium (apt-get install -y chromium)", pytrace=False)
    pytest.skip("headless Chromium not installed (/usr/bin/chromium; Debian: apt-get install -y chromium)")


def run_chromium(*args: str) -> subprocess.CompletedProcess:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
             "--disable-extensions", "--disable-background-networking", "--virtual-time-budget=3000"]
    return subprocess.run([chromium(), *flags, *args], capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def page(refdata, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    result = CliRunner().invoke(cli, [
        "report", "--dataset", "otb2015", "--annotations", str(refdata / "otb" / "json" / "OTB100.json"),
        "--results", str(refdata / "otb" / "results"), "--tracker", "DaSiamRPN", "--tracker", "SiamFC",
        "--tracker", "Ocean", "--sequences", SEQUENCES, "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    path = Path(result.output.strip().splitlines()[-1])
    assert path == out / "plots" / "otb2015" / "report.html"
    return path


def test_the_page_is_self_contained(page):
    text = page.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", text)  # nothing fetched from a network
    assert not re.search(r"""<(link|script)[^>]+(src|href)=""", text)  # styles and script inline
    images = re.findall(r'<img [^>]*src="data:image/png;base64,', text)
    pngs = list(page.parent.glob("*.png"))
    assert len(images) == len(pngs) >= 3 + 2 * 5  # every figure drawn, embedded
    for anchor in re.findall(r'href="#([^"]+)"', text):
        assert f'id="{anchor}"' in text, anchor  # every link lands somewhere on the page


def test_chromium_renders_tables_and_figures(page, tmp_path):
    shot = tmp_path / "shot.png"
    done = run_chromium("--window-size=1280,1800", f"--screenshot={shot}", page.as_uri())
    assert shot.is_file(), done.stderr[-2000:]
    from PIL import Image

    image = Image.open(shot).convert("L")
    histogram = image.histogram()
    assert image.size == (1280, 1800)
    assert max(histogram) < 0.97 * sum(histogram)  # not a blank (single-colour) page
    assert sum(1 for count in histogram if count) > 50  # text, plot lines and greys were drawn

    dom = run_chromium("--dump-dom", page.as_uri()).stdout
    for table_id in ("summary-table", "sequence-table", "convention-table"):
        assert f'id="{table_id}"' in dom
    assert dom.count("<table") >= 5  # summary, 2 attribute tables, sequences, convention
    summary = dom[dom.index('id="summary-table"'):]
    summary = summary[:summary.index("</table>")]
    for header in ("Success (AUC)", "Precision", "OP50", "OP75"):
        assert f">{header}<" in summary
    assert dom.count('<img alt=') >= 13
    for name in SEQUENCES.split(","):
        assert f'href="#{sequence_anchor(name)}"' in dom and f'id="{sequence_anchor(name)}"' in dom
    assert "length_mismatch" in dom  # the convention's options are listed


def test_sequence_table_sorts_when_a_header_is_clicked(page, tmp_path):
    # the page's own script, driven in the browser: click "DaSiamRPN AUC" (descending after two clicks)
    text = page.read_text(encoding="utf-8")
    header = re.findall(r"<th[^>]*>([^<]+)</th>", text.split('id="sequence-table"', 1)[1])[3]
    assert header == "DaSiamRPN AUC"
    click = ("<script>var th = document.querySelectorAll('#sequence-table th')[3]; th.click(); th.click();"
             "</script></body>")
    clicked = tmp_path / "clicked.html"
    clicked.write_text(text.replace("</body>", click), encoding="utf-8")
    dom = run_chromium("--dump-dom", clicked.as_uri()).stdout
    table = dom.split('id="sequence-table"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", table)[1:]
    values = [float(re.findall(r'data-v="([^"]*)"', row)[3]) for row in rows]
    assert len(values) == len(SEQUENCES.split(",")) and values == sorted(values, reverse=True)
    assert 'class="num desc"' in table  # the clicked header shows the direction
