"""Where `cycle auth login` keeps things: the key in the SDK's token storage (a FileStorage
under the user's config directory, or the OS keyring), and the hub and base URL beside it.

The config directory is $CYCLE_CONFIG_DIR, else $XDG_CONFIG_HOME/cycle, else ~/.config/cycle
(%APPDATA%\\cycle on Windows). The key is never written to config.json.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

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


def load_config() -> dict[str, Any]:
    try:
        data = json.loads((config_dir() / CONFIG_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save_config(config: dict[str, Any]) -> None:
    folder = config_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / CONFIG_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def storage(config: dict[str, Any]) -> TokenStorage:
    """The token storage `auth login` chose: the keyring, or a 0600 file in the config dir."""
    if config.get("storage") == "keyring":
        from cycle_sdk import KeyringStorage

        return KeyringStorage(service=KEYRING_SERVICE, username=str(config.get("keyring_user") or "default"))
    from cycle_sdk import FileStorage

    return FileStorage(config_dir() / TOKEN_FILE)


def describe(config: dict[str, Any]) -> str:
    if config.get("storage") == "keyring":
        return f"keyring (service {KEYRING_SERVICE})"
    return f"file {config_dir() / TOKEN_FILE}"
