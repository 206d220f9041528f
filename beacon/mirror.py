"""A pydantic model's checks as a msgspec Struct: the same contract, decoded in C.

The wire contract is written once, in pydantic (beacon/schema.py): it names every field
a client got wrong and describes itself in OpenAPI. Decoding a valid beacon with its
msgspec mirror costs half as much, and the Struct it builds is cheaper to read and to
free, on the path every beacon takes. The collector decodes with the mirror and asks
pydantic only for the reasons of a refusal, so both must accept exactly the same
documents: tests/beacon/test_mirror.py compares them field by field and value by value.

Only what the contract uses is translated; anything else is refused when the mirror is
built, never dropped silently.
"""

import re
import sys
import types
from typing import Annotated, Literal, Union, get_args, get_origin

import annotated_types
import msgspec
from pydantic import BaseModel
from pydantic.fields import FieldInfo

_BOUNDS = {
    annotated_types.Gt: "gt",
    annotated_types.Ge: "ge",
    annotated_types.Lt: "lt",
    annotated_types.Le: "le",
    annotated_types.MinLen: "min_length",
    annotated_types.MaxLen: "max_length",
}
_FINITE = {"ge": -sys.float_info.max, "le": sys.float_info.max}
"""Bounds that refuse NaN and ±Infinity, as pydantic's allow_inf_nan=False does."""


def mirror(model: type[BaseModel]) -> type[msgspec.Struct]:
    """The msgspec Struct checking what `model` checks, its fields under their Python
    names and read from the wire under their aliases."""
    return _Mirrors().of(model)


class _Mirrors:
    def __init__(self) -> None:
        self.built: dict[type[BaseModel], type[msgspec.Struct]] = {}

    def of(self, model: type[BaseModel]) -> type[msgspec.Struct]:
        if model not in self.built:
            self.built[model] = self._build(model)
        return self.built[model]

    def _build(self, model: type[BaseModel]) -> type[msgspec.Struct]:
        config = model.model_config
        if not config.get("strict") or config.get("populate_by_name"):
            raise TypeError(f"{model.__name__}: only strict models read by alias mirror")
        fields = []
        for name, info in model.model_fields.items():
            if info.default_factory is not None:
                default = {"default_factory": info.default_factory}
            elif info.is_required():
                default = {}
            else:
                default = {"default": info.default}
            kind = self._type(info.annotation, info.metadata)
            fields.append((name, kind, msgspec.field(name=info.alias or name, **default)))
        return msgspec.defstruct(
            model.__name__,
            fields,
            namespace=_validators(model),
            kw_only=True,
            frozen=True,
            forbid_unknown_fields=config.get("extra") == "forbid",
        )

    def _type(self, kind: object, metadata: list[object]) -> object:
        inner = self._bare(kind)
        bounds = _bounds(metadata)
        return Annotated[inner, msgspec.Meta(**bounds)] if bounds else inner

    def _bare(self, kind: object) -> object:
        origin = get_origin(kind)
        if origin is Annotated:
            base, *metadata = get_args(kind)
            return self._type(base, metadata)
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            return self.of(kind)
        if origin in (Union, types.UnionType):
            return Union[tuple(self._bare(arg) for arg in get_args(kind))]  # noqa: UP007 - built from a tuple
        if origin is list:
            return list[self._bare(get_args(kind)[0])]  # type: ignore[misc]
        if origin is dict:
            key, value = get_args(kind)
            return dict[self._bare(key), self._bare(value)]  # type: ignore[misc]
        if origin is Literal or kind in (str, int, float, bool, type(None)):
            return kind
        raise TypeError(f"no mirror for {kind!r}")


def _bounds(metadata: list[object]) -> dict[str, object]:
    bounds: dict[str, object] = {}
    finite = False
    for item in metadata:
        if isinstance(item, FieldInfo):
            bounds |= _bounds(item.metadata)
        elif type(item) in _BOUNDS:
            name = _BOUNDS[type(item)]
            bounds[name] = getattr(item, name)
        elif getattr(item, "allow_inf_nan", None) is False:
            finite = True
        elif getattr(item, "pattern", None) is not None:
            # msgspec searches with Python's re, where $ also matches before a final
            # newline; pydantic's regex does not.
            bounds["pattern"] = re.sub(r"(?<!\\)\$$", r"\\Z", item.pattern)  # type: ignore[attr-defined]
        else:
            raise TypeError(f"no mirror for the constraint {item!r}")
    if finite:
        for name, limit in _FINITE.items():
            bounds.setdefault(name, limit)
    return bounds


def _validators(model: type[BaseModel]) -> dict[str, object]:
    """Field validators run after decoding (a ValueError refuses the document). They
    are checks: a value they would change is not changed here."""
    decorators = model.__pydantic_decorators__
    if decorators.model_validators or any(
        decorator.info.mode != "after" for decorator in decorators.field_validators.values()
    ):
        raise TypeError(f"{model.__name__}: only field validators run after parsing mirror")
    checks = [
        (field, decorator.func)
        for decorator in decorators.field_validators.values()
        for field in decorator.info.fields
    ]
    if not checks:
        return {}

    def __post_init__(self: msgspec.Struct) -> None:
        for field, check in checks:
            check(getattr(self, field))

    return {"__post_init__": __post_init__}
