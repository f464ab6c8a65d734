"""Query-string filters of the list endpoints as django-filter FilterSets answering the
API's codes.

A `CodedFilterSet` validates the query string and hands the view typed values (the
selectors keep taking typed arguments, so their queries are the filters' own). Each filter
declares the code an invalid value answers (`code=Code.X`); a field may name a more precise
code itself by raising `ValidationError(code=Code.Y)` (a date in another format: 1216).
The first invalid filter in declaration order answers, so the declaration order is the
order in which the views have always checked their parameters. A filter reads its
parameter as `QueryDict.get` does: the last value of a repeated one. Parameters no filter
declares are ignored.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any, cast

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from config.codes import Code
from config.errors import DomainError
from customers.normalise import as_bool, as_text


class CodedFilterSet(django_filters.FilterSet):
    """A FilterSet whose invalid input raises the `DomainError` its filter declares."""

    def cleaned(self) -> dict[str, Any]:
        """The filters' typed values by name (None where not given), or the DomainError of
        the first invalid filter."""
        form = self.form
        if not form.is_valid():
            errors = form.errors.as_data()
            for name, filter_ in self.filters.items():
                if name in errors:
                    raise _domain_error(filter_, name, errors[name][0])
        return form.cleaned_data

    @classmethod
    def _form_class(cls, filters) -> type[forms.Form]:
        # The fields are the same for every instance (Form copies them per instance): one
        # form class per FilterSet, not one built per call.
        if "_cached_form_class" not in cls.__dict__:
            fields = {name: filter_.field for name, filter_ in filters.items()}
            cls._cached_form_class = type(f"{cls.__name__}Form", (cls._meta.form,), fields)
        return cls._cached_form_class

    def get_form_class(self):
        return self._form_class(self.filters)

    def filter_queryset(self, queryset):
        raise NotImplementedError(
            f"{type(self).__name__} only validates: its typed values go to the selectors"
        )


def _domain_error(filter_, name: str, error: ValidationError) -> DomainError:
    if isinstance(error.code, Code):
        return DomainError(error.code, **(error.params or {}))
    return DomainError(filter_.code, x=name)


class CodedFilter(django_filters.Filter):
    """A filter declaring the code (a `Code` member) its invalid value answers."""

    def __init__(self, *args: Any, code: Code | None = None, **kwargs: Any) -> None:
        assert code is None or isinstance(code, Code), "declare a named Code member"
        self.code = code
        kwargs.setdefault("label", "")  # not derived from a model field per call
        super().__init__(*args, **kwargs)


# --- Fields: each reads its parameter exactly as the hand-written parsing did ----------


class TextField(forms.Field):
    """Text trimmed, None when empty."""

    def to_python(self, value):
        return as_text(value) or None


class RawTextField(forms.Field):
    """Text as sent (an opaque cursor), None when empty."""

    def to_python(self, value):
        return value or None


class KeywordField(forms.Field):
    """One of `choices`, trimmed and read in capitals; None when empty."""

    def __init__(self, *, choices, **kwargs):
        self.choices = frozenset(choices)
        super().__init__(**kwargs)

    def to_python(self, value):
        text = as_text(value).upper()
        if not text:
            return None
        if text not in self.choices:
            raise ValidationError("not one of the choices", code="invalid_choice")
        return text


class IdField(forms.Field):
    """A whole number from 1 to `max_value` (an id no row can have is a mistake, not an
    empty list); None when empty."""

    def __init__(self, *, max_value: int, **kwargs):
        self.max_value = max_value
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in (None, ""):
            return None
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise ValidationError("not a whole number", code="invalid") from None
        if not 0 < number <= self.max_value:
            raise ValidationError("out of range", code="invalid")
        return number


class FlagField(forms.Field):
    """true/false (also 1/0, yes/no, y/n; anything else is false); None when empty."""

    def to_python(self, value):
        return None if value in (None, "") else as_bool(value)


class TextFilter(CodedFilter):
    field_class = TextField


class RawTextFilter(CodedFilter):
    field_class = RawTextField


class KeywordFilter(CodedFilter):
    field_class = KeywordField


class IdFilter(CodedFilter):
    field_class = IdField


class FlagFilter(CodedFilter):
    field_class = FlagField


# --- A day range: two parameters, one filter --------------------------------------------

# Dates people write that are not the API's YYYY-MM-DD (they answer 1216, naming the
# parameter, rather than the "not a date" code for something that is no date at all).
_OTHER_DATE_FORMATS = ("%Y/%m/%d", "%d-%m-%Y", "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%Y%m%d")


def _is_other_date_format(text: str) -> bool:
    try:
        datetime.fromisoformat(text)  # a date with a time, or a compact ISO form
        return True
    except ValueError:
        pass
    for pattern in _OTHER_DATE_FORMATS:
        try:
            datetime.strptime(text, pattern)
            return True
        except ValueError:
            continue
    return False


def _invalid(message: str, code: Code, params: dict[str, Any] | None = None) -> ValidationError:
    # The Code member itself, not its text: `_domain_error` reads it back with isinstance.
    return ValidationError(message, code=cast(str, code), params=params)


def _day(raw: str, name: str, invalid_code: Code) -> date:
    text = raw.strip()
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        try:
            return date.fromisoformat(text)
        except ValueError:  # 2024-02-30: the right shape, no such day
            raise _invalid("no such day", invalid_code) from None
    if _is_other_date_format(text):
        raise _invalid("another date format", Code.DATE_FORMAT_UNSUPPORTED, {"x": name})
    raise _invalid("not a date", invalid_code)


class _PairWidget(forms.Widget):
    """Reads two query parameters as one value."""

    def __init__(self, names: tuple[str, str]) -> None:
        super().__init__()
        self.names = names

    def value_from_datadict(self, data, files, name):
        return tuple(data.get(part) for part in self.names)

    def value_omitted_from_data(self, data, files, name):
        return not any(part in data for part in self.names)


class DayRangeField(forms.Field):
    def __init__(self, *, names, start_code, end_code, **kwargs):
        self.names = names
        self.start_code = start_code
        self.end_code = end_code
        kwargs["widget"] = _PairWidget(names)
        super().__init__(**kwargs)

    def to_python(self, value):
        start, end = value
        start_name, end_name = self.names
        start_day = _day(start, start_name, self.start_code) if start else None
        end_day = _day(end, end_name, self.end_code) if end else None
        if start_day and end_day and start_day > end_day:
            raise _invalid("start after end", Code.START_AFTER_END)
        zone = timezone.get_current_timezone()
        start_at = datetime.combine(start_day, time.min, tzinfo=zone) if start_day else None
        end_at = (
            datetime.combine(end_day + timedelta(days=1), time.min, tzinfo=zone)
            if end_day
            else None
        )
        return start_at, end_at


class DayRangeFilter(CodedFilter):
    """`startDate` / `endDate` (the parameter names given) as `YYYY-MM-DD` days in the
    server's time zone, the end day included; the value is (start, end), the moments a
    row's time is at or after and before. Not a date: `start_code` / `end_code`; a date in
    another format (`2024/01/31`, `31-01-2024`, with a time): 1216 naming the parameter;
    the start after the end: 8115."""

    field_class = DayRangeField

    def __init__(
        self,
        *,
        names: tuple[str, str] = ("startDate", "endDate"),
        start_code: Code = Code.START_DATE_INVALID,
        end_code: Code = Code.END_DATE_INVALID,
        **kwargs: Any,
    ) -> None:
        super().__init__(names=names, start_code=start_code, end_code=end_code, **kwargs)
