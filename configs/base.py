"""The config contract every experiment follows.

A config file `configs/NAME.py` is a small function, `get_config()`, that returns a typed
dataclass (big_vision style). Fields shared by every family live on `BaseConfig`; a family
subclasses it (see `configs/families/`). A grid is a plain dict of lists on the config,
written the way a notebook would: `grid = {"num_layers": [3, 4], ...}`.

Command-line overrides (`--set key=value`) and grid values go through `with_values`, which
checks that the key exists and converts the text to the field's declared type, so a typo
fails in one line before any data is read.
"""
from __future__ import annotations

import dataclasses
import importlib
import pkgutil
import types
import typing
from pathlib import Path
from typing import Any

from tflab.errors import UserError

# Learning-rate schedules a config may name with `lr_decay` (built by tfmodels/schedules.py).
LR_DECAYS = ("none", "cosine")

CONFIG_DIR = Path(__file__).resolve().parent


@dataclasses.dataclass
class BaseConfig:
    """Fields every experiment has. Families add their own by subclassing."""

    name: str = "unnamed"
    family: str = ""  # which tfmodels family trains this config (see tfmodels/families.py)
    random_seed: int = 0  # seeds weights, dropout and shuffling; a grid axis, never averaged away
    deterministic: bool = True  # TF deterministic kernels: same seed -> same numbers (no XLA)
    epochs: int = 10
    batch_size: int = 32
    learning_rate: float = 1e-3
    # Grid axes: field name -> list of values. Empty = a single fit.
    grid: dict = dataclasses.field(default_factory=dict)

    def validate(self) -> None:
        """Raise `UserError` for values no run can use. Families extend this."""
        if self.epochs < 1:
            raise UserError(f"epochs must be >= 1, got {self.epochs}; set e.g. --set epochs=10")
        if self.batch_size < 1:
            raise UserError(f"batch_size must be >= 1, got {self.batch_size}")
        if not self.learning_rate > 0:
            raise UserError(f"learning_rate must be > 0, got {self.learning_rate}")
        for key, values in self.grid.items():
            field_names = {f.name for f in dataclasses.fields(self)}
            if key not in field_names or key == "grid":
                raise UserError(f"grid axis {key!r} is not a field of {type(self).__name__}; "
                                f"known fields: {', '.join(sorted(field_names - {'grid'}))}")
            if not isinstance(values, (list, tuple)) or len(values) == 0:
                raise UserError(f"grid axis {key!r} has no values; give a non-empty list "
                                f"or remove it")

    # -- conversions -----------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def with_values(self, values: dict[str, Any]) -> "BaseConfig":
        """A copy with `values` applied (type-checked, text converted), then validated."""
        hints = typing.get_type_hints(type(self))
        field_names = {f.name for f in dataclasses.fields(self)}
        converted = {}
        for key, raw in values.items():
            if key not in field_names:
                close = [n for n in field_names if n.startswith(key[:3])]
                hint = f" (did you mean {', '.join(sorted(close))}?)" if close else ""
                raise UserError(f"unknown config key {key!r} for {self.name}{hint}; "
                                f"known keys: {', '.join(sorted(field_names))}")
            converted[key] = coerce(raw, hints[key], key)
        new = dataclasses.replace(self, **converted)
        new.validate()
        return new


def _parse_bool(text: str, key: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise UserError(f"{key} expects true/false, got {text!r}")


def coerce(raw: Any, hint: Any, key: str) -> Any:
    """Convert `raw` (often text from `--set`) to the declared type `hint`, or fail clearly."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if raw is None or (isinstance(raw, str) and raw.strip().lower() in ("none", "null")):
            if type(None) in args:
                return None
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return coerce(raw, arg, key)
            except UserError as err:
                errors.append(str(err))
        raise UserError(errors[0] if errors else f"{key}: cannot use {raw!r}")
    if origin in (list, tuple):
        items = raw
        if isinstance(raw, str):
            items = [part for part in raw.split(",") if part.strip()]
        inner = args[0] if args else str
        values = [coerce(item, inner, key) for item in items]
        return tuple(values) if origin is tuple else values
    if origin is typing.Literal:
        text = raw if not isinstance(raw, str) else raw.strip()
        if text in args:
            return text
        raise UserError(f"{key} must be one of {', '.join(map(str, args))}; got {raw!r}")
    if hint is bool:
        return raw if isinstance(raw, bool) else _parse_bool(str(raw), key)
    if hint in (int, float):
        if isinstance(raw, bool):
            raise UserError(f"{key} expects a number, got {raw!r}")
        if isinstance(raw, (int, float)) and not (hint is int and isinstance(raw, float)
                                                  and not float(raw).is_integer()):
            return hint(raw)
        try:
            number = float(str(raw).strip())
        except ValueError:
            raise UserError(f"{key} expects {hint.__name__}, got {raw!r}; "
                            f"e.g. --set {key}={'3' if hint is int else '0.001'}") from None
        if hint is int:
            if not number.is_integer():
                raise UserError(f"{key} expects an integer, got {raw!r}")
            return int(number)
        return number
    if hint is str:
        return str(raw)
    if hint is dict:
        if isinstance(raw, dict):
            return raw
        raise UserError(f"{key} cannot be set from the command line; edit the config file")
    return raw


NOT_CONFIGS = ("base", "catalog", "families", "grid_keys")  # modules of configs/ with no config


def known_config_names() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules([str(CONFIG_DIR)])
                  if not m.name.startswith("_") and m.name not in NOT_CONFIGS)


def load_config(name: str, overrides: list[str] | None = None) -> BaseConfig:
    """`configs/NAME.py:get_config()` with `key=value` overrides applied and validated."""
    name = Path(name).stem if name.endswith(".py") else name
    if name not in known_config_names():
        raise UserError(f"unknown config {name!r}; known configs: "
                        f"{', '.join(known_config_names())}")
    config = importlib.import_module(f"configs.{name}").get_config()
    from configs.families import family_spec

    family_spec(config.family).require()  # validation may need the family's packages
    values = parse_overrides(overrides or [])
    return config.with_values(values)


def unvalidated_config(name: str) -> BaseConfig:
    """`configs/NAME.py:get_config()` as written: for listing, without the family's packages."""
    return importlib.import_module(f"configs.{name}").get_config()


def parse_overrides(pairs: list[str]) -> dict[str, str]:
    values = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UserError(f"--set expects key=value, got {pair!r}; e.g. --set num_layers=3")
        values[key.strip()] = value
    return values
