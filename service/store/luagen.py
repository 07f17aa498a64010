"""Render Python constants as a Lua prelude, so a rule written once in Python is what the
scripts run (service/store/rankings.py puts one in front of `rank_lib.lua`)."""

from __future__ import annotations

import math
import re
from enum import Enum
from typing import Any, Mapping

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def lua_value(value: Any) -> str:
    """One Python value as a Lua literal: None, bool, int, float, str, Enum (its value),
    list/tuple (a sequence) or a mapping with string or integer keys (a table)."""
    if isinstance(value, Enum):
        value = value.value
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"no Lua literal for {value!r}")
        return repr(value)
    if isinstance(value, str):
        escaped = "".join(c if c.isprintable() and c not in "\\'" else f"\\{ord(c)}"
                          for c in value)
        return f"'{escaped}'"
    if isinstance(value, (list, tuple)):
        return "{" + ", ".join(lua_value(v) for v in value) + "}"
    if isinstance(value, Mapping):
        items = []
        for key, v in value.items():
            if isinstance(key, Enum):
                key = key.value
            if isinstance(key, str):
                items.append(f"[{lua_value(key)}] = {lua_value(v)}")
            elif isinstance(key, int) and not isinstance(key, bool):
                items.append(f"[{key}] = {lua_value(v)}")
            else:
                raise ValueError(f"no Lua table key for {key!r}")
        return "{" + ", ".join(items) + "}"
    raise ValueError(f"no Lua literal for {value!r}")


def lua_prelude(constants: Mapping[str, Any], source: str) -> str:
    """`local NAME = value` lines for each constant, headed by where they come from."""
    lines = [f"-- generated from {source}: edit it there, not here"]
    for name, value in constants.items():
        if not _NAME.match(name):
            raise ValueError(f"not a Lua name: {name!r}")
        lines.append(f"local {name} = {lua_value(value)}")
    return "\n".join(lines) + "\n"
