"""Reading and writing files safely: size limits, special files, symlinks, read-only targets.

Every file Backprop Lab opens (a project, a CSV file, an autosave) is read with
:func:`read_limited`, which looks at what the path is *before* reading a byte:
a folder, a FIFO (named pipe), a device such as ``/dev/zero`` or a socket is
refused at once instead of hanging or reading forever, and so is a regular file
larger than the limit. The check is made on the opened file descriptor
(``fstat``), so the file cannot be swapped between the check and the read.

Every file it writes goes through :func:`write_atomically`: the bytes go to a
temporary file next to the target, are flushed to disk and then moved over the
target in one step, so a crash or a full disk leaves either the old file or the
new one, never half of one. Saving through a symbolic link writes the file the
link points to (the link stays a link); a read-only target is refused with a
message instead of being silently replaced.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path

from .limits import describe_bytes

#: The suffix of the temporary files :func:`write_atomically` writes next to a target.
TEMPORARY_SUFFIX = ".tmp"


class FileRefused(OSError):
    """A file that cannot be read or written, with the reason in plain words.

    ``str(error)`` is the reason alone (``"it is a folder, not a file"``);
    callers put the file name in front.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    def __str__(self) -> str:
        return self.reason


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder, not a file"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO), not a file; reading it could wait forever"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device, not a file"
    if stat.S_ISSOCK(mode):
        return "a socket, not a file"
    return "not a regular file"


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def read_limited(path: str | os.PathLike[str], max_bytes: int) -> bytes:
    """The contents of the regular file at ``path``, refusing anything else before reading.

    Parameters
    ----------
    path
        The file; a symbolic link is followed.
    max_bytes
        The largest file read; a larger one is refused without reading it.

    Raises
    ------
    FileRefused
        If the path is missing, a folder, a FIFO, a device, a socket, larger
        than ``max_bytes``, or cannot be read; the message says which.
    """
    path_text = os.fspath(path)
    if not path_text:
        raise FileRefused("no file name was given")
    try:
        # O_NONBLOCK: opening a FIFO with no writer returns at once instead of waiting.
        descriptor = os.open(path_text, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except IsADirectoryError:
        raise FileRefused("it is a folder, not a file") from None
    except FileNotFoundError:
        raise FileRefused("there is no such file") from None
    except OSError as exc:
        raise FileRefused(f"it cannot be opened ({_reason(exc)})") from exc
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise FileRefused(f"it is {_kind(info.st_mode)}")
        if info.st_size > max_bytes:
            raise FileRefused(
                f"it is {describe_bytes(info.st_size)}; Backprop Lab opens files of at most "
                f"{describe_bytes(max_bytes)}"
            )
        if hasattr(os, "set_blocking"):
            os.set_blocking(descriptor, True)
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = os.read(descriptor, min(1 << 20, max_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > max_bytes:  # the file grew while it was read
                raise FileRefused(
                    f"it is larger than {describe_bytes(max_bytes)}, the most Backprop Lab opens"
                )
        return b"".join(chunks)
    except FileRefused:
        raise
    except OSError as exc:
        raise FileRefused(f"it cannot be read ({_reason(exc)})") from exc
    finally:
        os.close(descriptor)


def resolve_save_target(path: str | os.PathLike[str]) -> Path:
    """The file a save to ``path`` really writes, after checking it may be written.

    A symbolic link resolves to the file it points to, so saving keeps the link
    and updates its target.

    Raises
    ------
    FileRefused
        If the target is a folder or another special file, or is read-only
        (refused even where the operating system would let an administrator
        replace it), or the path is empty.
    """
    path_text = os.fspath(path)
    if not path_text:
        raise FileRefused("no file name was given")
    target = Path(os.path.realpath(path_text))
    try:
        info = os.stat(target)
    except FileNotFoundError:
        return target  # a new file
    except OSError as exc:
        raise FileRefused(f"it cannot be written ({_reason(exc)})") from exc
    if not stat.S_ISREG(info.st_mode):
        raise FileRefused(f"it is {_kind(info.st_mode)}")
    if not (info.st_mode & 0o222) or not os.access(target, os.W_OK):
        raise FileRefused(
            "the file is read-only; save under another name, or make it writable first"
        )
    return target


def write_atomically(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` so that the file is either fully replaced or untouched.

    The bytes go to a new temporary file next to the target; it is flushed to
    disk and then moved over the target with :func:`os.replace`, and the folder
    is flushed too. On any error the temporary file is removed and the previous
    file (if any) is left as it was. Returns the file written (a symlink's target).

    Raises
    ------
    FileRefused
        See :func:`resolve_save_target`.
    OSError
        If the folder cannot be written or the disk is full.
    """
    target = resolve_save_target(path)
    folder = target.parent
    temporary = folder / f".{target.name}.{secrets.token_hex(6)}{TEMPORARY_SUFFIX}"
    # os.open with 0o666 lets the umask decide permissions, like a normal save.
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.chmod(temporary, os.stat(target).st_mode & 0o7777)
        except OSError:
            pass  # no previous file (or we may not copy its mode): keep the default
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _sync_folder(folder)
    return target


def _sync_folder(folder: Path) -> None:
    """Flush the folder entry of a replaced file to disk (where the system allows it)."""
    if not hasattr(os, "O_DIRECTORY"):
        return
    try:
        descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
