"""Launch links: Binder opens lesson 00, nbgitpuller puts the course on a hub, the README badge is generated."""
import subprocess
import sys
from urllib.parse import parse_qs, urlparse

import pytest

from attention_lib._paths import ROOT
from attention_lib.course import links


@pytest.mark.parametrize("url", ["https://github.com/ada/attn-class", "https://github.com/ada/attn-class.git",
                                 "git@github.com:ada/attn-class.git", "ssh://git@github.com/ada/attn-class/"])
def test_the_slug_is_read_from_https_and_ssh_remotes(url):
    assert links.slug_from_remote(url) == "ada/attn-class"


def test_a_remote_that_is_not_github_has_no_slug():
    assert links.slug_from_remote("https://gitlab.com/ada/attn-class") is None


def test_the_binder_link_opens_lesson_00_in_jupyterlab():
    url = urlparse(links.binder_link("ada/attn-class"))
    assert (url.netloc, url.path) == ("mybinder.org", "/v2/gh/ada/attn-class/main")
    assert parse_qs(url.query)["urlpath"] == ["lab/tree/notebooks/00_welcome.ipynb"]
    assert (ROOT / links.START).is_file()
    with pytest.raises(ValueError, match="owner/name"):
        links.binder_link("not a slug")


def test_the_readme_badge_is_generated_from_the_one_slug():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert links.badge() in readme
    assert readme.count("mybinder.org/v2/gh/") == 1, "the badge is the only Binder link in the README"


def test_the_nbgitpuller_link_clones_the_repository_and_opens_lesson_00():
    url = urlparse(links.nbgitpuller_link("https://hub.example.edu/", "https://github.com/ada/attn-class.git"))
    assert url.path == "/hub/user-redirect/git-pull"
    query = parse_qs(url.query)
    assert query["repo"] == ["https://github.com/ada/attn-class.git"] and query["branch"] == ["main"]
    assert query["urlpath"] == ["lab/tree/attn-class/notebooks/00_welcome.ipynb"]
    with pytest.raises(ValueError, match="https://"):
        links.nbgitpuller_link("hub.example.edu", "https://github.com/ada/attn-class")


def test_the_cli_prints_the_binder_link_for_this_clones_remote(tmp_path):
    subprocess.run(["git", "clone", "-q", str(ROOT), str(tmp_path / "c")], check=True)
    subprocess.run(["git", "remote", "set-url", "origin", "git@github.com:ada/attn-class.git"], cwd=tmp_path / "c", check=True)
    proc = subprocess.run([sys.executable, "-m", "attention_lib.course", "binder-link"], cwd=tmp_path / "c",
                          capture_output=True, text=True, env={"PYTHONPATH": str(tmp_path / "c"), "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == links.binder_link("ada/attn-class")
