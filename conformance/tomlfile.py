"""Reading the suite's TOML input files (config, expectations, profiles, matrix targets).

Every way such a file can be unusable (missing, unreadable, not UTF-8, not TOML) is one
`UsageError` line naming the file and how to fix it, worded the same for each kind of file.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from conformance.errors import UsageError, not_utf8


def read_toml(path: Path, where: str, hint: str = "") -> dict[str, Any]:
    """The parsed file at `path`; `where` names it in messages ("config file x.toml"), `hint` (": check
    the --config path") follows a missing or unreadable file's message."""
    try:
        return tomllib.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{where} not found{hint}") from None
    except UnicodeDecodeError as exc:
        raise not_utf8(where, exc) from None
    except OSError as exc:
        raise UsageError(f"{where} cannot be read ({exc.strerror}){hint}") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{where} is not valid TOML ({exc}): fix the syntax") from None
