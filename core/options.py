"""Run options with validators, as ``qiskit.providers.Options``.

A backend's options are an :class:`Options` object: a read-only mapping with attribute
access, whose writes (``opts[k] = v``, :meth:`Options.update_options`) are validated
against per-field rules before anything is stored, so an invalid value never leaves the
object half-updated.
"""

from __future__ import annotations

import copy
import numbers
from collections.abc import Iterator, Mapping
from typing import Any

__all__ = ["Options"]

_Rule = tuple | list | type


class Options(Mapping[str, Any]):
    """Mapping of option name to value, with optional validators per field."""

    __slots__ = ("_fields", "validator")

    def __init__(self, **kwargs: Any):
        object.__setattr__(self, "_fields", dict(kwargs))
        object.__setattr__(self, "validator", {})

    # -- mapping protocol -----------------------------------------------------
    def __getitem__(self, key: str) -> Any:
        return self._fields[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._fields)

    def __len__(self) -> int:
        return len(self._fields)

    def __setitem__(self, key: str, value: Any) -> None:
        self.update_options(**{key: value})

    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails, so methods and `validator` shadow fields.
        try:
            return self._fields[name]
        except KeyError:
            raise AttributeError(f"Option {name} is not defined") from None

    def __setattr__(self, name: str, value: Any) -> None:
        if name in type(self).__slots__:
            raise AttributeError(f"{name} cannot be replaced")
        self.update_options(**{name: value})

    @property
    def __dict__(self) -> dict[str, Any]:  # type: ignore[override]
        return self._fields

    # -- validation -----------------------------------------------------------
    def set_validator(self, field: str, validator_value: _Rule) -> None:
        """Attach a rule to an existing field.

        A 2-tuple is an inclusive (min, max) range, a list the allowed values, a type an
        isinstance check. The current value is not re-checked (as in Qiskit).
        """
        if field not in self._fields:
            raise KeyError(f"Field '{field}' is not present in this options object")
        if isinstance(validator_value, tuple):
            if len(validator_value) != 2:
                raise ValueError(
                    f"A tuple validator must be (min, max), got {len(validator_value)} values")
            lo, hi = validator_value
            if not all(isinstance(b, numbers.Real) and not isinstance(b, bool) for b in (lo, hi)):
                raise ValueError(f"A tuple validator must bound numbers, got {validator_value!r}")
            if lo > hi:
                raise ValueError(f"A tuple validator must have min <= max, got {validator_value!r}")
        elif isinstance(validator_value, list):
            if not validator_value:
                raise ValueError("A list validator must list at least one allowed value")
        elif not isinstance(validator_value, type):
            raise TypeError(
                f"{validator_value!r} is not a valid validator: use a (min, max) tuple, "
                "a list of allowed values or a type")
        self.validator[field] = validator_value

    def _check(self, field: str, value: Any) -> None:
        rule = self.validator.get(field)
        if rule is None:
            return
        if isinstance(rule, tuple):
            lo, hi = rule
            try:
                bad = value < lo or value > hi
            except TypeError:
                raise ValueError(
                    f"{field}={value!r} is invalid: must be a number >= {lo} and <= {hi}"
                ) from None
            if bad:
                raise ValueError(f"{field}={value!r} is invalid: must be >= {lo} and <= {hi}")
        elif isinstance(rule, list):
            if value not in rule:
                raise ValueError(
                    f"{field}={value!r} is invalid: not a valid choice, must be one of {rule}")
        elif not isinstance(value, rule):
            raise ValueError(
                f"{field}={value!r} is invalid: must be of type {rule.__name__}, "
                f"not {type(value).__name__}")

    def update_options(self, **fields: Any) -> None:
        """Validate every field first, then store them all (new names are added)."""
        for key, value in fields.items():
            self._check(key, value)
        self._fields.update(fields)

    # -- value semantics ------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        if isinstance(other, Options):
            return self._fields == other._fields
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __copy__(self) -> Options:
        new = Options(**self._fields)
        new.validator.update(self.validator)
        return new

    def __deepcopy__(self, memo: dict) -> Options:
        new = Options(**copy.deepcopy(self._fields, memo))
        new.validator.update(copy.deepcopy(self.validator, memo))
        return new

    def __getstate__(self) -> tuple[dict, dict]:
        return self._fields, self.validator

    def __setstate__(self, state: tuple[dict, dict]) -> None:
        object.__setattr__(self, "_fields", dict(state[0]))
        object.__setattr__(self, "validator", dict(state[1]))

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self._fields.items())
        return f"Options({inner})"

    def __str__(self) -> str:
        out = repr(self)
        if self.validator:
            out += "\nWhere:\n" + "\n".join(
                f"\t{k} is {_describe(v)}" for k, v in self.validator.items())
        return out


def _describe(rule: _Rule) -> str:
    if isinstance(rule, tuple):
        return f">= {rule[0]} and <= {rule[1]}"
    if isinstance(rule, list):
        return f"one of {rule}"
    return f"of type {rule.__name__}"
