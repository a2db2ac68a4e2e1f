"""The user guide (docs/guide/) has no broken link or image, and its screenshots stay small.

The guide is read by non-programmers on a web page or in a repository browser: a link to a page
that was renamed, or an image that ``bin/guide-screenshots`` no longer produces, shows up as a
dead link or a broken picture, so every relative target is checked against the files.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "guide"
PAGES = sorted(GUIDE.glob("*.md"))
ROLE_PAGES = ["citizen.md", "volunteer.md", "office-staff.md", "officer.md", "admin.md"]
#: The whole img/ folder; the brief asks for about 4 MB.
MAX_IMAGE_BYTES = 4 * 1024 * 1024

_MD_LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
_HTML_SRC = re.compile(r"<(?:img|a)\b[^>]*\b(?:src|href)=\"([^\"]+)\"")
_EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//)", re.IGNORECASE)


def targets(text: str) -> list[str]:
    """Every link and image target of a Markdown page (Markdown syntax and inline HTML), code spans left out."""
    text = re.sub(r"```.*?```", "", text, flags=re.DOTALL)
    text = re.sub(r"`[^`\n]*`", "", text)
    return _MD_LINK.findall(text) + _HTML_SRC.findall(text)


def local_path(page: Path, target: str) -> Path | None:
    """The file a relative target points to (None for web addresses and in-page anchors)."""
    if _EXTERNAL.match(target) or target.startswith("#"):
        return None
    return (page.parent / target.split("#", 1)[0]).resolve()


def test_targets_finds_markdown_and_html_links() -> None:
    text = '[a](b.md) ![c](img/d.png "t") <img src="img/e.png" alt="x"> `[no](code.md)` [w](https://x.cn) [h](#top)'
    assert targets(text) == ["b.md", "img/d.png", "https://x.cn", "#top", "img/e.png"]
    page = GUIDE / "README.md"
    assert local_path(page, "https://x.cn") is None and local_path(page, "#top") is None
    assert local_path(page, "../cli.md#users") == (ROOT / "docs" / "cli.md").resolve()


def test_guide_has_an_index_and_one_page_per_role() -> None:
    index = (GUIDE / "README.md").read_text(encoding="utf-8")
    for name in ROLE_PAGES:
        assert (GUIDE / name).is_file(), f"docs/guide/{name} is missing"
        assert name in targets(index), f"docs/guide/README.md does not link {name}"


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_every_relative_link_and_image_exists(page: Path) -> None:
    missing = []
    for target in targets(page.read_text(encoding="utf-8")):
        path = local_path(page, target)
        if path is not None and not path.exists():
            missing.append(target)
    assert not missing, f"{page.relative_to(ROOT)} points to files that do not exist: {missing}"


def test_every_screenshot_is_used_and_the_folder_stays_small() -> None:
    images = sorted((GUIDE / "img").glob("*.png"))
    assert images, "docs/guide/img/ has no screenshots: run the browser tests, then bin/guide-screenshots"
    used = {local_path(page, t) for page in PAGES for t in targets(page.read_text(encoding="utf-8"))}
    unused = [p.name for p in images if p.resolve() not in used]
    assert not unused, f"screenshots no guide page shows (drop them from bin/guide-screenshots): {unused}"
    total = sum(p.stat().st_size for p in images)
    assert total <= MAX_IMAGE_BYTES, f"docs/guide/img/ holds {total / 2**20:.1f} MiB, more than 4 MiB"


def test_readme_links_the_guide() -> None:
    assert "docs/guide/README.md" in targets((ROOT / "README.md").read_text(encoding="utf-8"))
