"""A JSON object of an EIDO document read with its path, so that every refusal names where it is
(`$.callComponent[0].callStartTimestamp`) and never repeats the value. Pure."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kuzet.interagency.eido_json import RFC3339, EidoFormatError


def step(path: str, key: str | int) -> str:
    return f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}"


@dataclass(frozen=True)
class Node:
    """A JSON object of the document with its path."""

    path: str
    data: Mapping[str, Any]

    def fail(self, key: str | None, message: str) -> EidoFormatError:
        return EidoFormatError(self.path if key is None else step(self.path, key), message)

    def first_key(self, *keys: str) -> str | None:
        return next((key for key in keys if key in self.data), None)

    def string(self, *keys: str) -> str:
        value = self.optional_string(*keys)
        if value is None:
            raise self.fail(keys[0], "is required")
        return value

    def optional_string(self, *keys: str) -> str | None:
        key = self.first_key(*keys)
        if key is None or self.data[key] is None:
            return None
        value = self.data[key]
        if not isinstance(value, str):
            raise self.fail(key, "must be a string")
        return value

    def strings(self, *keys: str) -> tuple[str, ...]:
        """An array of strings; a single string (the 2020 draft's form) is read as an array of one."""
        key = self.first_key(*keys)
        if key is None or self.data[key] is None:
            return ()
        value = self.data[key]
        if isinstance(value, str):
            return (value,)
        if not isinstance(value, list):
            raise self.fail(key, "must be an array of strings")
        for index, item in enumerate(value):
            if not isinstance(item, str):
                raise EidoFormatError(step(step(self.path, key), index), "must be a string")
        return tuple(value)

    def reference(self, *keys: str) -> str | None:
        """A reference (`{"$ref": id}`), or the 2020 draft's plain identifier string."""
        key = self.first_key(*keys)
        if key is None or self.data[key] is None:
            return None
        value = self.data[key]
        if isinstance(value, str):
            return value
        if not isinstance(value, Mapping) or not isinstance(value.get("$ref"), str):
            raise self.fail(key, 'must be a reference {"$ref": "<id>"}')
        ref: str = value["$ref"]
        return ref

    def references(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key)
        if value is None:
            return ()
        if not isinstance(value, list):
            raise self.fail(key, "must be an array of references")
        found = []
        for index, item in enumerate(value):
            if not isinstance(item, Mapping) or not isinstance(item.get("$ref"), str):
                raise EidoFormatError(
                    step(step(self.path, key), index), 'must be a reference {"$ref": "<id>"}'
                )
            found.append(item["$ref"])
        return tuple(found)

    def time(self, *keys: str) -> datetime:
        value = self.optional_time(*keys)
        if value is None:
            raise self.fail(keys[0], "is required")
        return value

    def optional_time(self, *keys: str) -> datetime | None:
        key = self.first_key(*keys)
        text = self.optional_string(*keys)
        if key is None or text is None:
            return None
        if not RFC3339.fullmatch(text):
            raise self.fail(key, "must be an RFC 3339 date-time with an offset (2026-12-07T10:00:00+05:00)")
        try:
            return datetime.fromisoformat(text.upper())
        except ValueError:
            raise self.fail(key, "is not a real date and time") from None

    def boolean(self, key: str) -> bool | None:
        value = self.data.get(key)
        if value is not None and not isinstance(value, bool):
            raise self.fail(key, "must be true or false")
        return value

    def integer(self, key: str) -> int | None:
        value = self.data.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise self.fail(key, "must be an integer")
        return value

    def object(self, key: str) -> Node | None:
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, Mapping):
            raise self.fail(key, "must be an object")
        return Node(step(self.path, key), value)

    def components(self, *keys: str) -> Iterator[Node]:
        """The objects of a component array (or one object, as the current incidentComponent is)."""
        key = self.first_key(*keys)
        if key is None or self.data[key] is None:
            return
        value = self.data[key]
        if isinstance(value, Mapping):
            yield Node(step(self.path, key), value)
            return
        if not isinstance(value, list):
            raise self.fail(key, "must be an array of objects")
        for index, item in enumerate(value):
            if not isinstance(item, Mapping):
                raise EidoFormatError(step(step(self.path, key), index), "must be an object")
            yield Node(step(step(self.path, key), index), item)
