"""The folders and files the tool writes: built aside, swapped in whole, marked, never someone
else's.

Every command that writes a folder (``run``, ``allocate --out``, ``ledger report``) goes through
:func:`output_folder`: the files are written into a hidden sibling ``.<name>.XXXX.tmp``, which
replaces ``<name>`` by a rename only once complete, so a crash or a kill never leaves a mix of
old and new files. Each such folder holds a marker file (:data:`MARKER`); an existing folder is
replaced only when it carries the marker, so ``--out`` can never delete the scenario, the
current folder or an unrelated folder that happens to have the same name. Hidden folders left by
a killed run are removed by the next run, only when they carry the marker and the process that
made them is gone. Single files (``compare --out``, ``indicators --out``, workbooks) are written
the same way by :func:`output_file`.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from aide_alim.errors import AideAlimError

MARKER = ".aide-alim-output"
"""File in every folder the tool writes; only such folders are ever replaced or cleaned."""
STALE_AFTER_S = 24 * 3600.0
"""A marked hidden folder from another machine is stale after this long [s]."""


class OutputExistsError(AideAlimError):
    """The output folder cannot be written: it exists, or it must not be replaced."""


def check_target(target: Path, *, replace: bool, protect: Iterable[Path] = ()) -> None:
    """Refuse, before any work, an output folder that must not be (re)written.

    ``replace``: an existing folder written by this tool may be replaced (``--force``).
    ``protect``: input paths (the scenario) that the output must neither be nor contain; the
    current folder is always protected.
    """
    where = target.resolve()
    for path in (Path.cwd(), *protect):
        kept = path.resolve()
        if where == kept or where in kept.parents:
            what = "the current folder" if path == Path.cwd() else str(path)
            raise OutputExistsError(
                f"{target} is or contains {what}; choose a new folder for the output "
                "(it would be replaced as a whole)."
            )
    if not target.exists():
        return
    if not target.is_dir():
        raise OutputExistsError(f"{target} exists and is not a folder; choose another --out.")
    if not replace:
        raise OutputExistsError(
            f"{target} already exists; use --force to replace it (it is replaced only once the "
            "new documents are complete)."
        )
    if not is_marked(target) and any(target.iterdir()):
        raise OutputExistsError(
            f"{target} was not written by aide-alim (no {MARKER} file in it), so it is left "
            "alone; choose another --out, or empty or delete that folder yourself."
        )


def is_marked(folder: Path) -> bool:
    """Whether ``folder`` was written by this tool."""
    return (folder / MARKER).is_file()


@contextlib.contextmanager
def output_folder(target: Path, *, replace: bool, protect: Iterable[Path] = ()) -> Iterator[Path]:
    """A hidden staging folder to write into; it becomes ``target`` when the block succeeds.

    On any error (or interruption) the staging folder is removed, ``target`` is left as it was
    and any parent folder created for it is removed again.
    """
    target = target.absolute()
    protect = tuple(protect)
    check_target(target, replace=replace, protect=protect)
    started = time.time()
    made = [p for p in (target.parent, *target.parent.parents) if not p.exists()]
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        clean_stale(target, started)
        staging = Path(
            tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        )
        try:
            staging.chmod(0o777 & ~_umask())  # mkdtemp makes it private; the output is not
            _mark(staging)
            yield staging
            check_target(target, replace=replace, protect=protect)  # it may have appeared
            _swap(staging, target)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    except BaseException:
        for folder in made:  # deepest first: leave no empty folder we created
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise


@contextlib.contextmanager
def output_file(target: Path) -> Iterator[Path]:
    """A hidden temporary path beside ``target`` to write one file into; it replaces ``target``
    (atomically) when the block succeeds, and is removed when it fails."""
    target = target.absolute()
    target.parent.mkdir(parents=True, exist_ok=True)
    # Same suffix as the target: pandas and openpyxl choose the format from it.
    fd, name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=target.suffix, dir=target.parent)
    os.close(fd)
    temporary = Path(name)
    try:
        yield temporary
        temporary.chmod(0o666 & ~_umask())  # mkstemp makes it private; the output is not
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def clean_stale(target: Path, started: float) -> list[Path]:
    """Remove the hidden ``.tmp``/``.old`` siblings of ``target`` left by killed runs.

    Only marked folders older than ``started`` whose process is gone are touched; an ``.old``
    folder (the previous output, moved aside during a swap) is put back when ``target`` is
    missing. Returns the folders removed or restored.
    """
    cleaned: list[Path] = []
    if not target.parent.is_dir():
        return cleaned
    for folder in target.parent.glob(f".{target.name}.*"):
        if folder.suffix not in (".tmp", ".old") or not _is_stale(folder, started):
            continue
        if folder.suffix == ".old" and not target.exists():
            folder.rename(target)
        else:
            shutil.rmtree(folder, ignore_errors=True)
        cleaned.append(folder)
    return cleaned


def _mark(folder: Path) -> None:
    info = {"tool": "aide-alim", "pid": os.getpid(), "host": socket.gethostname()}
    (folder / MARKER).write_text(json.dumps(info) + "\n", encoding="utf-8")


def _is_stale(folder: Path, started: float) -> bool:
    marker = folder / MARKER
    try:
        info = json.loads(marker.read_text(encoding="utf-8"))
        age = started - marker.stat().st_mtime
    except (OSError, ValueError):
        return False  # not ours, or unreadable: leave it alone
    if age <= 0 or not isinstance(info, dict):
        return False
    if info.get("host") != socket.gethostname():
        return age > STALE_AFTER_S
    return not _alive(info.get("pid"))


def _alive(pid: object) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return pid != os.getpid()  # our own pid: a dead run's, reused


def _swap(staging: Path, target: Path) -> None:
    """Move the complete ``staging`` folder to ``target``, swapping out an old one."""
    if not target.exists():
        staging.rename(target)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=target.parent))
    old.rmdir()
    target.rename(old)
    try:
        staging.rename(target)
    except BaseException:
        old.rename(target)  # put the previous documents back
        raise
    shutil.rmtree(old, ignore_errors=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
