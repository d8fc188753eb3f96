"""What every browser test does: check with axe-core, take screenshots, measure sideways scrolling."""

from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
WIDE = {"width": 1280, "height": 800}
NARROW = {"width": 320, "height": 640}


def assert_no_axe_violations(page, label: str) -> None:
    """Run axe-core on the page as it is now and fail with a readable list of what it found."""
    results = Axe().run(page)
    if results.violations_count:
        lines = [f"axe found {results.violations_count} kind(s) of violation on {label} ({page.url}):"]
        for violation in results.response["violations"]:
            lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
            lines.append(f"  {violation['helpUrl']}")
            for node in violation["nodes"]:
                lines.append(f"  * {', '.join(map(str, node['target']))}: {node['html'][:200]}")
                if node.get("failureSummary"):
                    lines.append("    " + node["failureSummary"].replace("\n", "\n    "))
        pytest.fail("\n".join(lines), pytrace=False)


def capture(page, name: str) -> None:
    """Full-page screenshots at desktop and at the narrowest phone width WCAG reflow asks for."""
    ARTIFACTS.mkdir(exist_ok=True)
    for viewport in (WIDE, NARROW):
        page.set_viewport_size(viewport)
        # From the top, after two frames: a full-page shot taken while scrolled, just after a resize,
        # can leave parts of the page unpainted (blank) in headless Chromium.
        page.evaluate(
            "() => new Promise(done => { window.scrollTo(0, 0);"
            " requestAnimationFrame(() => requestAnimationFrame(done)); })"
        )
        page.screenshot(path=ARTIFACTS / f"{name}-{viewport['width']}.png", full_page=True)
    page.set_viewport_size(WIDE)


def screenshot(page, name: str) -> Path:
    """One full-page screenshot at the viewport the page has now, saved as artifacts/<name>.png."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.evaluate(
        "() => new Promise(done => { window.scrollTo(0, 0);"
        " requestAnimationFrame(() => requestAnimationFrame(done)); })"
    )
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=path, full_page=True)
    return path


def horizontal_overflow(page) -> int:
    """How many CSS pixels the page is wider than the viewport (0 means no sideways scrolling)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


class Journey:
    """Numbers the pages a person reaches, and checks and photographs each one."""

    def __init__(self, prefix: str, viewport: dict):
        self.prefix, self.viewport, self.step, self.problems = prefix, viewport, 0, []

    def open_tab(self, browser, browser_context_args):
        context = browser.new_context(**{**browser_context_args, "viewport": self.viewport})
        page = context.new_page()
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("console", self._on_console)
        page.on("response", self._on_response)
        return context, page

    def _on_console(self, message):
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            self.problems.append(f"console error: {message.text} ({message.location.get('url')})")

    def _on_response(self, response):
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status}: {response.url}")

    def check(self, page, name: str) -> None:
        self.step += 1
        label = f"{self.prefix}-{self.step:02d}-{name}-{self.viewport['width']}"
        screenshot(page, label)
        assert horizontal_overflow(page) <= 0, f"{label} scrolls sideways ({page.url})"
        assert_no_axe_violations(page, label)
        assert self.problems == [], f"{label}: {self.problems}"
