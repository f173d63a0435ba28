"""Django 5.2 as the reference renderer for passbridge's template language.

Renders (template, profile, event) with Django's own engine (autoescape off,
Django's built-in tags and filters, plus Klaviyo's `lookup`) and normalises only
the differences passbridge documents in its README:

- numbers are JavaScript numbers (integer arithmetic is exact up to 2**53) and
  are written as JavaScript's String(n); null is empty text and
  booleans are true/false wherever a value becomes text (output, text filters,
  join);
- a missing variable counts as None for default_if_none;
- the date filter gets a datetime where the profile holds date text (ISO 8601 or
  Klaviyo's "YYYY-MM-DD HH:MM:SS"), in UTC, as Klaviyo would have stored it.
"""

import datetime as dt
import inspect
import decimal
import math
import re

import django
from django.conf import settings

settings.configure(USE_TZ=True, TIME_ZONE="UTC", LANGUAGE_CODE="en-us")
django.setup()

from django.template import Context, Engine, Library  # noqa: E402
from django.template import base as tbase  # noqa: E402
from django.template import defaultfilters  # noqa: E402
from django.template.exceptions import TemplateSyntaxError  # noqa: E402


class Unprintable(Exception):
    """A list or object where text is needed (passbridge: invalid_profile)."""


class Missing(str):
    """Django's string_if_invalid for a missing variable: "" that
    default_if_none still sees as missing."""


MISSING = Missing("")


def js_number(x):
    """JavaScript's String(n) for a finite Python number."""
    if isinstance(x, int) and not isinstance(x, bool):
        if abs(x) < 2**53:
            return str(x)
        x = float(x)
    if math.isnan(x) or math.isinf(x):
        raise Unprintable("not a finite number")
    if x == 0:
        return "0"
    sign, nd, ne = decimal.Decimal(repr(x)).normalize().as_tuple()
    d = "".join(map(str, nd))
    k = len(d)
    n = k + ne
    s = "-" if sign else ""
    if k <= n <= 21:
        return s + d + "0" * (n - k)
    if 0 < n <= 21:
        return s + d[:n] + "." + d[n:]
    if -6 < n <= 0:
        return s + "0." + "0" * (-n) + d
    e = n - 1
    es = ("+" if e >= 0 else "-") + str(abs(e))
    if k == 1:
        return s + d + "e" + es
    return s + d[0] + "." + d[1:] + "e" + es


def text(v):
    """A value as passbridge writes it."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return js_number(v)
    if isinstance(v, (list, dict, tuple)):
        raise Unprintable(type(v).__name__)
    return str(v)


def render_value_in_context(value, context):
    return text(value)


tbase.render_value_in_context = render_value_in_context

DATE_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?"
    r"(Z|z|[+-]\d{2}(?::?\d{2})?)?)?$"
)


def parse_date(s):
    m = DATE_RE.match(s.strip())
    if not m:
        return None
    y, mo, d, h, mi, se, frac, off = m.groups()
    if off and h is None:
        return None
    try:
        micro = int((frac or "").ljust(6, "0")[:6] or 0)
        t = dt.datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(se or 0), micro)
        minutes = 0
        if off and off not in "Zz":
            digits = off[1:].replace(":", "")
            oh, om = int(digits[:2]), int(digits[2:4] or 0)
            if oh > 23 or om > 59:
                return None
            minutes = (oh * 60 + om) * (-1 if off[0] == "-" else 1)
        return (t - dt.timedelta(minutes=minutes)).replace(tzinfo=dt.timezone.utc)
    except (ValueError, OverflowError):
        return None


STRINGFILTER = defaultfilters.stringfilter(lambda v: v).__code__


def textual(f):
    """Wraps a Django text filter so its input becomes text the passbridge way
    (a list or object is an error); keeps the filter's arity."""
    inner = f.__wrapped__
    params = list(inspect.signature(inner).parameters.values())

    def convert(value):
        return text(value)  # a list or object raises, as passbridge refuses it

    if len(params) == 1:
        return lambda value: inner(convert(value))
    if params[1].default is inspect.Parameter.empty:
        return lambda value, arg: inner(convert(value), arg)
    default = params[1].default
    return lambda value, arg=default: inner(convert(value), arg)


library = Library()
for name, f in defaultfilters.register.filters.items():
    if getattr(f, "__code__", None) is STRINGFILTER and "autoescape" not in inspect.signature(
        f.__wrapped__
    ).parameters:
        library.filter(name, textual(f))


@library.filter
def default_if_none(value, arg):
    return arg if value is None or isinstance(value, Missing) else value


@library.filter
def join(value, arg):
    if isinstance(value, list):
        return arg.join(text(v) for v in value)
    return defaultfilters.join(value, arg, autoescape=False)


@library.filter
def date(value, arg=None):
    # passbridge: date text is the date Klaviyo stored; anything else renders
    # empty (Django renders a non-date empty, except 'c'/'r', which raise).
    value = parse_date(value) if isinstance(value, str) else None
    return defaultfilters.date(value, arg) if value else ""


@library.filter
def add(value, arg):
    """Django's add; an integer result is a JavaScript number (exact to 2**53)."""
    r = defaultfilters.add(value, arg)
    return float(r) if isinstance(r, int) and not isinstance(r, bool) and abs(r) >= 2**53 else r


@library.filter
def lookup(value, key):
    if isinstance(value, dict) and key in value:
        return value[key]
    return MISSING


ENGINE = Engine(autoescape=False, string_if_invalid=MISSING)
ENGINE.template_builtins.append(library)


def normalise_json(v):
    """JSON numbers as JavaScript holds them: an integral float is an int."""
    if isinstance(v, float) and v.is_integer() and abs(v) < 2**53:
        return int(v)
    if isinstance(v, list):
        return [normalise_json(x) for x in v]
    if isinstance(v, dict):
        return {k: normalise_json(x) for k, x in v.items()}
    return v


def context(profile, event):
    profile = normalise_json(profile)
    props = profile.get("properties") or {}
    person = dict(props)
    person.update(profile)  # attributes win over custom properties (Klaviyo)
    c = {"person": person}
    if event is not None:
        c["event"] = normalise_json(event)
    return Context(c, autoescape=False)


def render(template, profile, event):
    """{"ok": text} | {"syntax": message} | {"error": message}"""
    try:
        t = ENGINE.from_string(template)
    except TemplateSyntaxError as e:
        return {"syntax": str(e)}
    try:
        return {"ok": t.render(context(profile, event))}
    except Exception as e:  # Django raised while rendering, or an unprintable value
        return {"error": f"{type(e).__name__}: {e}"}
