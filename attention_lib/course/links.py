"""Links that open the course: on Binder, and on a JupyterHub through nbgitpuller.

The repository's GitHub slug is written once, here (:data:`REPOSITORY`); the README's badge is
generated from it and a test keeps the two equal. ``python -m attention_lib.course binder-link``
prints the link for the repository the current clone was taken from.
"""
from __future__ import annotations

import re
import subprocess
from pathlib import Path
from urllib.parse import quote, urlencode

REPOSITORY = "attention-hands-on/attention-hands-on"
"""The course's GitHub repository, ``owner/name``: the one place the slug is written."""
BRANCH = "main"
START = "notebooks/00_welcome.ipynb"
"""The notebook a launch link opens."""
BADGE = "https://mybinder.org/badge_logo.svg"

_GITHUB = re.compile(r"^(?:https?://github\.com/|git@github\.com:|ssh://git@github\.com/)"
                     r"(?P<slug>[A-Za-z0-9_.\-]+/[A-Za-z0-9_.\-]+?)(?:\.git)?/?$")


def slug_from_remote(url: str) -> str | None:
    """``owner/name`` of a GitHub remote URL (https or ssh), or None for anything else."""
    match = _GITHUB.match(url.strip())
    return match.group("slug") if match else None


def current_slug(root: Path, remote: str = "origin") -> str | None:
    """The GitHub slug of ``root``'s git remote, or None when there is none (or it is not GitHub)."""
    try:
        url = subprocess.run(["git", "remote", "get-url", remote], cwd=root, capture_output=True, text=True,
                             check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    return slug_from_remote(url)


def binder_link(slug: str = REPOSITORY, ref: str = BRANCH, path: str = START) -> str:
    """A mybinder.org link that builds ``slug`` at ``ref`` and opens ``path`` in JupyterLab."""
    if not re.fullmatch(r"[A-Za-z0-9_.\-]+/[A-Za-z0-9_.\-]+", slug):
        raise ValueError(f"a GitHub repository is written owner/name, got {slug!r}")
    return f"https://mybinder.org/v2/gh/{slug}/{quote(ref, safe='')}?urlpath={quote('lab/tree/' + path, safe='/')}"


def badge(slug: str = REPOSITORY) -> str:
    """The README's Markdown badge: a click opens lesson 00 on Binder."""
    return f"[![Launch lesson 00 on Binder]({BADGE})]({binder_link(slug)})"


def nbgitpuller_link(hub_url: str, repo_url: str, branch: str = BRANCH, path: str = START) -> str:
    """An nbgitpuller link: a click clones (or merges into) the learner's copy on the hub, then opens ``path``.

    nbgitpuller's merge never overwrites a file the learner changed, so re-sending the link after an
    update is safe.
    """
    if not re.match(r"^https?://", hub_url):
        raise ValueError(f"the hub URL must start with https:// (or http://), got {hub_url!r}")
    folder = repo_url.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git")
    query = urlencode({"repo": repo_url, "branch": branch, "urlpath": f"lab/tree/{folder}/{path}"})
    return f"{hub_url.rstrip('/')}/hub/user-redirect/git-pull?{query}"
