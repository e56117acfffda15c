"""Strict input fields: DRF's IntegerField and CharField coerce (`"1"` -> 1, `1.0` -> 1, `true`
-> 1, `5` -> "5", `"١٢"` -> 12); the builder's API takes JSON values as they are typed."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.fields import empty


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer only: not a string, a float (even `1.0`) or a boolean."""

    default_error_messages = {"invalid": "Must be an integer."}

    def to_internal_value(self, data: Any) -> int:
        if type(data) is not int:
            self.fail("invalid")
        return int(super().to_internal_value(data))


class StrictCharField(serializers.CharField):
    """A JSON string only: not a number or a boolean."""

    default_error_messages = {"invalid": "Must be a string."}

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return str(super().to_internal_value(data))


class QueryIntegerField(serializers.IntegerField):
    """A query-string integer: ASCII digits only (`str.isdigit` and `int` also take "²", "١٢")."""

    default_error_messages = {"invalid": "Must be a whole number written with the digits 0-9."}

    def get_value(self, dictionary: Any) -> Any:
        # DRF drops an empty `?version=` of an optional field; it is a bad value, not no value.
        return dictionary.get(self.field_name, empty)

    def to_internal_value(self, data: Any) -> int:
        if not isinstance(data, str) or not data.isascii() or not data.isdigit():
            self.fail("invalid")
        return int(super().to_internal_value(data))
