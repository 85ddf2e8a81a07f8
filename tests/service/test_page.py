"""The web page in headless Chromium (Debian's, through playwright with executable_path; nothing
downloaded): token prompt, upload, the job updating live, the report opening, no console errors."""
import os
import shutil
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.slow
def test_upload_wait_open_report_no_console_errors(server_factory, tmp_path, chromium):
    sync_api = pytest.importorskip("playwright.sync_api")
    exe = chromium
    srv = server_factory().start()
    errors: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=exe, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 800})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(srv.url + "/")
            page.wait_for_selector("#login:not([hidden])")  # the token prompt
            page.fill("#token", srv.token)
            page.click("#save-token")
            page.uncheck("#explain")
            page.set_input_files("#files", str(EXAMPLES / "interview.srt"))
            page.wait_for_selector("tr.job td.st.completed", timeout=300_000)
            assert page.locator("tr.job").count() == 1
            assert page.locator("tr.job td").first.inner_text().startswith("interview.srt")
            with page.expect_popup() as pop:
                page.click("tr.job button.report")
            report = pop.value
            report.wait_for_load_state()
            report.wait_for_selector("svg")
            assert report.locator('.utt').count() == 10
            with page.expect_download() as dl:
                page.click("tr.job button.csv")
            assert dl.value.suggested_filename == "interview.csv"
            assert len(Path(dl.value.path()).read_text().splitlines()) == 11
            shot = tmp_path / "page.png"
            page.screenshot(path=str(shot), full_page=True)
            report.screenshot(path=str(tmp_path / "report.png"))
            assert shot.stat().st_size > 10_000
            keep = os.environ.get("AFFECTKIT_SCREENSHOTS")
            if keep:
                shutil.copy(shot, Path(keep) / "service-page.png")
                shutil.copy(tmp_path / "report.png", Path(keep) / "service-report.png")
            # a wrong token: the prompt comes back, no error thrown in the page
            page.evaluate("sessionStorage.setItem('affectkit-token', 'wrong')")
            page.reload()
            page.wait_for_selector("#login:not([hidden])")
        finally:
            browser.close()
    assert [e for e in errors if "401" not in e] == []
