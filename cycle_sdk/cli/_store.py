"""Where `cycle auth login` keeps things: the key in the SDK's token storage (a FileStorage
under the user's config directory, or the OS keyring), and the hub and base URL beside it.

The config directory is $CYCLE_CONFIG_DIR, else $XDG_CONFIG_HOME/cycle, else ~/.config/cycle
(%APPDATA%\\cycle on Windows). The key is never written to config.json.

Whoever can write config.json can point `base_url` at their own server and receive the stored
key with the next command, so, as ssh does with its files, the command line makes the
directory 0700 and its files 0600 whatever the umask, and refuses to read a config or token
file (or a directory holding them) that another user owns or that group or others may write.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._errors import Failure

if TYPE_CHECKING:
    from cycle_sdk import TokenStorage

ENV_CONFIG_DIR = "CYCLE_CONFIG_DIR"
CONFIG_FILE = "config.json"
TOKEN_FILE = "token.json"
KEYRING_SERVICE = "cycle-cli"


def config_dir() -> Path:
    explicit = os.environ.get(ENV_CONFIG_DIR)
    if explicit:
        return Path(explicit).expanduser()
    if os.name == "nt" and os.environ.get("APPDATA"):
        return Path(os.environ["APPDATA"]) / "cycle"
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "cycle"


# A config file is a few hundred bytes.
MAX_CONFIG_BYTES = 64 * 1024
UNSAFE_CONFIG = "0.configuration"


def unsafe_reason(path: Path, info: os.stat_result, *, uid: int) -> tuple[str, str] | None:
    """Why user `uid` may not trust `path`, whose stat is `info`, and the fix; None when it may.
    Not when another user owns it (root is trusted, as by ssh) or group or others may write it."""
    if info.st_uid not in (uid, 0):
        return f"it is owned by another user (uid {info.st_uid})", "remove it, or `chown` it to yourself"
    if info.st_mode & 0o002 or (info.st_mode & 0o020 and not _private_group(info.st_gid, uid)):
        private = "700" if stat.S_ISDIR(info.st_mode) else "600"
        return f"group or others may write it (mode {stat.S_IMODE(info.st_mode):04o})", f"chmod {private} {path}"
    return None


def check_private(path: Path) -> None:
    """Refuse `path` (a file or folder, followed through symlinks) when it is not safe to trust
    (see unsafe_reason). Nothing to check when it does not exist, or on Windows (no POSIX modes)."""
    if os.name == "nt":
        return
    try:
        info = path.stat()
    except FileNotFoundError:
        return
    except OSError as exc:
        raise Failure(UNSAFE_CONFIG, "Cannot check a config file", f"{path}: {exc.strerror}") from None
    reason = unsafe_reason(path, info, uid=os.geteuid())
    if reason is not None:
        problem, fix = reason
        raise Failure(
            UNSAFE_CONFIG, "Refusing to use a config file others could have changed", f"{path}: {problem}", fix
        )


def _private_group(gid: int, uid: int) -> bool:
    """Whether group `gid` is user `uid`'s own (a user private group, as Debian makes for each
    user, with umask 002): then group-writable is harmless, as Debian's ssh also accepts."""
    import grp
    import pwd

    try:
        group, user = grp.getgrgid(gid), pwd.getpwuid(uid)
    except KeyError:
        return False
    members = set(group.gr_mem)
    return members <= {user.pw_name} and (gid == user.pw_gid or members == {user.pw_name})


def ensure_config_dir() -> Path:
    """The config directory, made 0700 (with any folders missing above it) whatever the umask."""
    from cycle_sdk._tokens import make_private_dirs

    return make_private_dirs(config_dir())


def load_config(*, trusted_only: bool = True) -> dict[str, Any]:
    """config.json, or {} when there is none (or it is not a JSON object). A Failure when it (or
    its folder) is not safe to trust; `trusted_only=False` reads it anyway (logout only deletes)."""
    from ._files import FileRefused, read_file

    path = config_dir() / CONFIG_FILE
    if trusted_only:
        check_private(config_dir())
        check_private(path)
    try:
        data = json.loads(read_file(str(path), MAX_CONFIG_BYTES))
    except (FileRefused, ValueError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}


def save_config(config: dict[str, Any]) -> None:
    """config.json, written 0600 (created so before anything is in it) and replaced atomically."""
    import tempfile

    folder = ensure_config_dir()
    fd, tmp = tempfile.mkstemp(prefix=".config-", dir=folder)
    try:
        if os.name != "nt":
            os.fchmod(fd, 0o600)  # mkstemp's 0600 is filtered through the umask too
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(config, indent=2) + "\n")
        os.replace(tmp, folder / CONFIG_FILE)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def storage(config: dict[str, Any], *, trusted_only: bool = True) -> TokenStorage:
    """The token storage `auth login` chose: the keyring, or a 0600 file in the config dir (a
    Failure when that file is not safe to trust, unless `trusted_only=False`: logout deletes it)."""
    if config.get("storage") == "keyring":
        from cycle_sdk import KeyringStorage

        return KeyringStorage(service=KEYRING_SERVICE, username=str(config.get("keyring_user") or "default"))
    from cycle_sdk import FileStorage

    path = config_dir() / TOKEN_FILE
    if trusted_only:
        check_private(path)
    return FileStorage(path)


def describe(config: dict[str, Any]) -> str:
    if config.get("storage") == "keyring":
        return f"keyring (service {KEYRING_SERVICE})"
    return f"file {config_dir() / TOKEN_FILE}"


__all__ = [
    "CONFIG_FILE",
    "ENV_CONFIG_DIR",
    "KEYRING_SERVICE",
    "TOKEN_FILE",
    "config_dir",
    "describe",
    "ensure_config_dir",
    "load_config",
    "save_config",
    "storage",
]
