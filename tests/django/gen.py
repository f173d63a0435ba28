"""Generates template/profile pairs, renders each with Django (oracle.py) and
writes one JSON line per case for tests/template_django.rs to compare.

    python tests/django/gen.py --count 2000 --seed 1 --out .tmp/django/cases.jsonl

The fixed table (table.py: every tag, operator and filter) comes first, then
`--count` random pairs. Random templates stay inside the language passbridge
shares with Django (no Python attribute lookups, no filters on values Django
cannot take); everything else the README documents as a difference.
"""

import argparse
import json
import multiprocessing
import os
import random
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the tree
sys.path.insert(0, os.path.dirname(__file__))

import oracle  # noqa: E402
import table  # noqa: E402

WORDS = ["gold", "Silver", "vip", "rock'n'roll", "élan", "Ünïcode", "hello world", "  spaced  out ",
         "they're", "1st place", "a-b_c", "Ça va?", "x", "", "<b>Bold</b> move", "50%", "naïve café",
         "ΟΔΟΣ", "ß", "São Paulo", "a/b?c=d&e", "one two three four five six"]
DATES = ["2024-03-05", "2024-03-05T10:00:00Z", "2024-12-31 23:59:59", "2024-02-29T12:00:00+05:30",
         "2023-01-01T00:00:00.123456-08:00", "2020-06-15T12:30:45", "not a date", "2024-13-01"]


def rand_number(r):
    return r.choice([0, 1, -1, 2, 7, 150, 999, 1000, 1500, 3000, -25, 12.5, 0.5, -3.25, 2.675, 1e21,
                     r.randint(-50, 3000), round(r.uniform(-100, 5000), 2)])


def rand_scalar(r):
    k = r.random()
    if k < 0.35:
        return rand_number(r)
    if k < 0.7:
        return r.choice(WORDS)
    if k < 0.8:
        return r.choice([True, False])
    if k < 0.9:
        return None
    return str(rand_number(r))


def profile(r):
    props = {
        "points": r.choice([rand_number(r), str(r.randint(0, 2000)), None]),
        "tier": r.choice(WORDS + [None]),
        "name": r.choice(WORDS),
        "flag": r.choice([True, False, None, 0, 1, "yes", ""]),
        "tags": r.sample(["gold", "vip", "new", "x", "", "Silver"], r.randint(0, 4)),
        "nums": [r.randint(-5, 20) for _ in range(r.randint(0, 5))],
        "obj": {"k": "v", "n": r.randint(0, 3)},
        "when": r.choice(DATES),
        "amount": round(r.uniform(0, 500), r.choice([0, 1, 2])),
        "v": rand_scalar(r),
        "w": rand_scalar(r),
        "fallback": "fb",
        "Loyalty Points": r.randint(0, 400),
    }
    for key in ["v", "w", "points", "tier"]:
        if r.random() < 0.1:
            del props[key]
    person = {"email": "ada@example.com", "first_name": r.choice(WORDS), "external_id": "C-1",
              "properties": props}
    event = None if r.random() < 0.3 else {
        "points": r.choice([r.randint(-50, 200), 12.5, "7"]),
        "reason": r.choice(WORDS),
        "items": [{"name": r.choice(WORDS), "qty": r.randint(0, 3)} for _ in range(r.randint(0, 3))],
    }
    return person, event


SCALAR_PATHS = ["person.properties.points", "person.properties.tier", "person.properties.name",
                "person.properties.flag", "person.properties.v", "person.properties.w",
                "person.properties.amount", "person.first_name", "person.email", "person.properties.nope",
                "event.points", "event.reason", "person|lookup:'Loyalty Points'", "person.tier"]
LIST_PATHS = ["person.properties.tags", "person.properties.nums", "event.items"]

TEXT_FILTERS = ["lower", "upper", "title", "capfirst", "slugify", "striptags", "wordcount", "length",
                "urlencode", "truncatechars:{n}", "truncatewords:{n}", "cut:'{c}'", "yesno",
                "yesno:'yeah,nope'", "yesno:'a,b,c'", "pluralize", "pluralize:'y,ies'", "floatformat",
                "floatformat:{n}", "floatformat:'-2'", "add:{n}", "add:'{c}'", "default:'{c}'",
                "default_if_none:'{c}'", "default:person.properties.fallback", "urlencode:''",
                "divisibleby:{d}"]
LIST_FILTERS = ["length", "first", "last", "join:', '", "join:'{c}'", "pluralize", "default:'none'"]


def literal(r):
    return r.choice([str(r.choice([0, 1, 2, 150, 1000, -1])), "1.5", "'gold'", "'vip'", "''",
                     "True", "False", "None", "'x'"])


def filters_for(r, kind, k):
    out = []
    for _ in range(k):
        if kind == "list":
            f = r.choice(LIST_FILTERS)
            kind = "scalar" if not f.startswith("default") else kind
        else:
            f = r.choice(TEXT_FILTERS)
        out.append(f.format(n=r.choice([0, 1, 2, 3, 5, 10]), c=r.choice(["o", "-", " ", "l", "ab"]),
                            d=r.choice([1, 2, 3])))
        if f.startswith("divisibleby"):
            break
    return out


def expr(r, loops, allow_list=False):
    choice = r.random()
    if loops and choice < 0.35:
        var, kind = r.choice(loops)
        if kind == "item":
            base = var + r.choice([".name", ".qty", ""])
            kind = "scalar" if base != var else "dict"
        elif kind == "forloop":
            base = "forloop." + r.choice(["counter", "counter0", "revcounter", "revcounter0", "first", "last"])
            kind = "scalar"
        else:
            base, kind = var, "scalar"
        if kind == "dict":
            return base + "|length"
    elif allow_list and choice < 0.5:
        base, kind = r.choice(LIST_PATHS), "list"
    elif choice < 0.6:
        return "person.properties.when|date:'" + r.choice(["Y-m-d", "N j, Y", "D, d M Y H:i", "c", "r", "jS F Y P",
                                                           "l W o z t L U", "y n j g G h a A f e O T Z I u b E w s"]) + "'"
    else:
        base, kind = r.choice(SCALAR_PATHS), "scalar"
    fs = filters_for(r, kind, r.choice([0, 0, 1, 1, 2, 3]))
    return "|".join([base] + fs)


def condition(r, loops, depth=0):
    k = r.random()
    if k < 0.2 and depth < 2:
        return f"{condition(r, loops, depth + 1)} {r.choice(['and', 'or'])} {condition(r, loops, depth + 1)}"
    if k < 0.3 and depth < 2:
        return "not " + condition(r, loops, depth + 1)
    if k < 0.45:
        return expr(r, loops)
    if k < 0.6:
        return f"{r.choice([literal(r), expr(r, loops)])} {r.choice(['in', 'not in'])} {r.choice(LIST_PATHS + [expr(r, loops)])}"
    if k < 0.7:
        return f"{expr(r, loops)} {r.choice(['is', 'is not'])} {r.choice(['None', 'True', 'False'])}"
    op = r.choice(["==", "!=", "<", ">", "<=", ">="])
    return f"{expr(r, loops)} {op} {r.choice([literal(r), expr(r, loops)])}"


def text_piece(r):
    return r.choice(["", " ", "Hi ", "-", ", ", "\n", "pts", " }} ", "{ ", "%", "#"])


def template(r, loops=(), depth=0):
    parts = []
    for _ in range(r.randint(1, 4 if depth == 0 else 2)):
        k = r.random()
        if k < 0.3:
            parts.append(text_piece(r))
        elif k < 0.6 or depth >= 3:
            parts.append("{{ " + expr(r, list(loops)) + " }}")
        elif k < 0.78:
            s = "{% if " + condition(r, list(loops)) + " %}" + template(r, loops, depth + 1)
            for _ in range(r.choice([0, 0, 1, 2])):
                s += "{% elif " + condition(r, list(loops)) + " %}" + template(r, loops, depth + 1)
            if r.random() < 0.5:
                s += "{% else %}" + template(r, loops, depth + 1)
            parts.append(s + "{% endif %}")
        elif k < 0.93:
            var = r.choice(["item", "x", "tag"])
            # Text loops only at the top level: nested loops over long text would
            # exceed passbridge's documented 10,000 iterations per field.
            texts = [] if loops else ["person.properties.name", "person.properties.tags|join:''"]
            src = r.choice(LIST_PATHS + ["person.properties.nope"] + texts)
            kind = "item" if src == "event.items" else "scalar"
            inner = list(loops) + [(var, kind), ("forloop", "forloop")]
            s = "{% for " + var + " in " + src + (" reversed" if r.random() < 0.2 else "") + " %}"
            s += template(r, inner, depth + 1)
            if r.random() < 0.3:
                s += "{% empty %}" + template(r, loops, depth + 1)
            parts.append(s + "{% endfor %}")
        else:
            parts.append(r.choice(["{# note #}", "{% comment %}{{ x|nope }}{% endcomment %}"]))
    return "".join(parts)


def case(seed):
    """One pair inside passbridge's documented limits (template 4,096 bytes,
    output 8,192 bytes): a pair beyond them is an error by design."""
    r = random.Random(seed)
    while True:
        person, event = profile(r)
        t = template(r)
        if len(t.encode()) > 4096:
            continue
        out = oracle.render(t, person, event)
        if len(out.get("ok", "").encode()) <= 8192:
            return {"t": t, "p": person, "e": event, "django": out}


def fixed_cases():
    for t, person, event in table.CASES:
        yield {"t": t, "p": person, "e": event, "django": oracle.render(t, person, event)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--start", type=int, default=0, help="first random case (chunked runs)")
    a = ap.parse_args()
    os.makedirs(os.path.dirname(a.out) or ".", exist_ok=True)
    first = a.seed * 100_000_000 + a.start
    seeds = range(first, first + a.count)
    n = 0
    with open(a.out, "w", encoding="utf-8") as f:
        for c in fixed_cases() if a.start == 0 else ():
            f.write(json.dumps(c, ensure_ascii=False) + "\n")
            n += 1
        if a.jobs > 1:
            with multiprocessing.Pool(a.jobs) as pool:
                for c in pool.imap(case, seeds, chunksize=500):
                    f.write(json.dumps(c, ensure_ascii=False) + "\n")
                    n += 1
        else:
            for s in seeds:
                f.write(json.dumps(case(s), ensure_ascii=False) + "\n")
                n += 1
    print(f"django: {n} cases ({a.count} random) written to {a.out}")


if __name__ == "__main__":
    main()
