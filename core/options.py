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

from .errors import OptionsError, UnknownOptionError

__all__ = ["Options", "show"]

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
            raise UnknownOptionError(f"Option {name} is not defined") from None

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

        A 2-tuple is an inclusive (min, max) range (integer bounds: an integer range), a
        list the allowed values, a type an isinstance check; see :meth:`check`. The
        current value is not re-checked (as in Qiskit).
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

    def check(self, field: str, value: Any) -> None:
        """Raise OptionsError (a ValueError) if ``value`` breaks ``field``'s rule.

        A (min, max) tuple of integers admits integers only (``2.9`` and ``True`` are not
        shots); a tuple with a float bound admits any real number but a bool; NaN never
        passes a range. A list admits its values with their kind: ``True`` is not ``1``.
        """
        rule = self.validator.get(field)
        if rule is None:
            return
        if isinstance(rule, tuple):
            lo, hi = rule
            integral = all(isinstance(b, numbers.Integral) for b in rule)
            kind = numbers.Integral if integral else numbers.Real
            what = "an integer" if integral else "a number"
            if isinstance(value, bool) or not isinstance(value, kind):
                raise OptionsError(f"{field}={show(value)} is invalid: must be {what} "
                                   f">= {lo} and <= {hi}, not {type(value).__name__}")
            if not lo <= value <= hi:  # also refuses NaN
                raise OptionsError(f"{field}={show(value)} is invalid: must be >= {lo} "
                                   f"and <= {hi}")
        elif isinstance(rule, list):
            if not any(_same(value, allowed) for allowed in rule):
                raise OptionsError(f"{field}={show(value)} is invalid: not a valid choice, "
                                   f"must be one of {rule}")
        elif not isinstance(value, rule):  # isinstance, as Qiskit: True passes `int`
            raise OptionsError(
                f"{field}={show(value)} is invalid: must be of type {rule.__name__}, "
                f"not {type(value).__name__}")

    def update_options(self, **fields: Any) -> None:
        """Validate every field first, then store them all (new names are added)."""
        for key, value in fields.items():
            self.check(key, value)
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


def show(value: Any, limit: int = 60) -> str:
    """``repr(value)`` for a message, shortened; never fails (``repr(10**5000)`` raises)."""
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - a message must not fail on the value it reports
        text = (f"<a {value.bit_length()}-bit int>" if isinstance(value, int)
                else f"<{type(value).__name__}>")
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _same(value: Any, allowed: Any) -> bool:
    """``value == allowed`` of the same kind: bools only match bools, floats not ints."""
    if isinstance(value, bool) != isinstance(allowed, bool):
        return False
    if isinstance(allowed, numbers.Integral) and not isinstance(value, numbers.Integral):
        return False
    try:
        return bool(value == allowed)
    except Exception:  # noqa: BLE001 - arrays and odd types are simply not a match
        return False


def _describe(rule: _Rule) -> str:
    if isinstance(rule, tuple):
        return f">= {rule[0]} and <= {rule[1]}"
    if isinstance(rule, list):
        return f"one of {rule}"
    return f"of type {rule.__name__}"
