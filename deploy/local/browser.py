"""Headless Chromium, to see what a JavaScript web page (such as the Zipkin UI) really renders.

Uses Debian's ``chromium`` package (``apt-get install -y chromium``) or any ``chromium``
or ``chromium-browser`` on PATH, with a new throwaway profile for every page.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

FLAGS = (
    "--headless",
    "--no-sandbox",  # Chromium's sandbox refuses to run as root
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
    # Virtual time: the page's scripts, timers and fetches settle before the DOM is dumped,
    # and an idle page fast-forwards, so this usually costs about a second, not ten.
    "--virtual-time-budget=10000",
    "--run-all-compositor-stages-before-draw",  # the screenshot shows that settled page
)


def chromium_path() -> str | None:
    """The Chromium executable on PATH, if any."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def render(url: str, *, screenshot: Path | None = None, timeout: float = 60,
           window: tuple[int, int] = (1400, 900)) -> str:
    """Load ``url`` headless and return its DOM after scripts ran; optionally save a PNG too. Pages that
    virtualise long lists (Zipkin's span rows) only put what fits the window into the DOM."""
    chromium = chromium_path()
    if chromium is None:
        raise RuntimeError("Chromium is needed to render pages: apt-get install -y chromium")
    args = [chromium, *FLAGS, f"--window-size={window[0]},{window[1]}"]
    if screenshot is not None:
        screenshot = Path(screenshot).resolve()
        screenshot.unlink(missing_ok=True)
        args.append(f"--screenshot={screenshot}")
    with tempfile.TemporaryDirectory(prefix="talenta-chromium-") as profile:
        proc = subprocess.Popen(
            [*args, f"--user-data-dir={profile}", "--dump-dom", url],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            start_new_session=True,  # so a timeout can end all of Chromium's processes
        )
        try:
            dom, errors = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise TimeoutError(f"Chromium did not render {url} within {timeout}s") from None
    if proc.returncode != 0 or (screenshot is not None and not screenshot.exists()):
        raise RuntimeError(f"Chromium failed on {url} (exit {proc.returncode}):\n{errors[-2000:]}")
    return dom
