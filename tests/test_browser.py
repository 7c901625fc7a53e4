"""The analyst's loop in a real browser: JupyterLab in Chromium, driven by Playwright.

Starts JupyterLab on a loopback port as `make lab` does (same config: the whole repository
root, notebooks/ saved without outputs) on a copy of notebooks/, opens notebook 01, runs all,
edits source_id, runs all again, checks the new chart appears, saves, and checks the file on
disk has no outputs. Uses Debian's `chromium` (no browser download); skipped, with the reason
in the summary, where it is not installed. Screenshots go to $BROWSER_SCREENSHOTS if set.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from analysis import config

pytestmark = pytest.mark.slow
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
NB = "01-chart-casualty-counts.ipynb"
OTHER = "az-s88-2024-12-12-aliyev"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def lab(tmp_path):
    root = tmp_path / "repo"
    shutil.copytree(config.NOTEBOOKS_DIR, root / "notebooks", ignore=shutil.ignore_patterns("output", ".ipynb_checkpoints"))
    port, token = free_port(), "test-token"
    env = {**os.environ, "ANALYSIS_OUTPUT_DIR": str(tmp_path / "output"), "JUPYTER_CONFIG_DIR": str(tmp_path / "cfg"),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")}
    env.pop("KEEP_OUTPUTS", None)
    jupyter = Path(sys.executable).with_name("jupyter")
    proc = subprocess.Popen(
        [str(jupyter), "lab", "--no-browser", "--allow-root", "--ip=127.0.0.1", f"--port={port}", f"--IdentityProvider.token={token}",
         f"--config={config.ROOT / '.jupyter' / 'jupyter_server_config.py'}", f"--ServerApp.root_dir={root}",
         "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        env=env, stdout=subprocess.DEVNULL, stderr=open(tmp_path / "lab.log", "w"))  # noqa: SIM115
    base = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
            break
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("JupyterLab did not start:\n" + (tmp_path / "lab.log").read_text()[-3000:])
    yield base, token, root, tmp_path
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def shot(page, name: str) -> None:
    folder = os.environ.get("BROWSER_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=False)


def run_all(page) -> None:
    """Run > Run All Cells, then wait until the last code cell has run (its prompt number changed
    and no cell is queued), however long the kernel takes on a busy machine."""
    prompts = ".jp-Notebook .jp-CodeCell .jp-InputPrompt"
    before = page.locator(prompts).last.inner_text()
    page.wait_for_timeout(300)
    dialog = page.locator(".jp-Dialog .jp-mod-accept")  # a kernel picker shown while the session starts
    if dialog.count():
        dialog.first.click()
    page.click("#jp-MainMenu >> text=Run", timeout=30_000)
    page.click(".lm-Menu-itemLabel >> text=Run All Cells")
    page.wait_for_function(
        "([sel, before]) => { const p = [...document.querySelectorAll(sel)];"
        " const last = p.length ? p[p.length - 1].textContent : '';"
        " return p.length > 0 && !p.some(x => x.textContent.includes('*')) && /\\d/.test(last) && last !== before; }",
        arg=[prompts, before], timeout=300_000)


def open_notebook(pw, lab, name: str):
    """Chromium on JupyterLab with ``notebooks/<name>`` open and its kernel idle: (browser, page)."""
    base, token, _, _ = lab
    browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{base}/lab/tree/notebooks/{name}?token={token}")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
    page.wait_for_selector("text=Python 3 (ipykernel) | Idle", timeout=120_000)
    return browser, page


NO_CHROMIUM = ("Debian's chromium is not installed (apt-get install chromium); the real-browser test of "
               "JupyterLab is skipped")


@pytest.mark.skipif(CHROMIUM is None, reason=NO_CHROMIUM)
def test_run_all_edit_run_all_again_save_clean_in_jupyterlab(lab):
    from playwright.sync_api import sync_playwright

    _, _, root, tmp = lab
    with sync_playwright() as pw:
        browser, page = open_notebook(pw, lab, NB)
        shot(page, "1-opened")

        run_all(page)
        page.wait_for_selector(".jp-OutputArea-output img", timeout=120_000)
        first = page.eval_on_selector(".jp-OutputArea-output img", "img => img.src")
        assert not page.query_selector(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"), \
            "a stderr/error output after the first Run All"
        shot(page, "2-first-run")

        editor = page.locator(".jp-Notebook .jp-CodeCell").first.locator(".cm-content")
        editor.click()
        page.keyboard.press("Control+Home")
        page.keyboard.press("Shift+End")
        page.keyboard.insert_text(f'source_id: str = "{OTHER}"  # edited in the browser')
        run_all(page)
        page.wait_for_function("(old) => { const i = document.querySelector('.jp-OutputArea-output img');"
                               " return i && i.src !== old; }", arg=first, timeout=120_000)
        errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
        assert errors.count() == 0, errors.first.inner_text()
        shot(page, "3-second-run")
        chosen = page.locator(".jp-OutputArea-output table tr", has_text="◀")
        assert chosen.count() == 1 and OTHER in chosen.inner_text()  # the choices table marks the new statement

        page.keyboard.press("Control+s")
        page.wait_for_function("() => !document.querySelector('.jp-mod-dirty')", timeout=30_000)
        page.wait_for_timeout(500)
        shot(page, "4-saved")
        browser.close()

    saved = json.loads((root / "notebooks" / NB).read_text())
    code = [c for c in saved["cells"] if c["cell_type"] == "code"]
    assert all(c["outputs"] == [] and c["execution_count"] is None for c in code), "outputs were saved"
    assert f'source_id: str = "{OTHER}"' in "".join(code[0]["source"]), "the edit itself is saved"
    charts = tmp / "output" / "01-chart-casualty-counts"
    assert (charts / OTHER / "casualty-counts.png").is_file()
    assert len(list(charts.iterdir())) == 2, "each run has its own folder"


@pytest.mark.skipif(CHROMIUM is None, reason=NO_CHROMIUM)
def test_the_explorer_redraws_when_a_dropdown_changes(lab):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser, page = open_notebook(pw, lab, "05-explore-statements.ipynb")
        run_all(page)
        shot(page, "5-explorer-ran")
        chart = page.locator("img.widget-image").first
        chart.wait_for(timeout=120_000)
        before = chart.get_attribute("src")
        metric = page.locator(".widget-dropdown select").first
        metric.select_option(index=1)  # the options: killed or injured, killed, injured
        page.wait_for_function("(old) => { const i = document.querySelector('img.widget-image');"
                               " return i && i.src !== old; }", arg=before, timeout=120_000)
        chart.scroll_into_view_if_needed()
        shot(page, "5-explorer-killed")
        rows = page.locator(".widget-html table").first.inner_text()
        assert "killed" in rows and "injured" not in rows
        browser.close()
