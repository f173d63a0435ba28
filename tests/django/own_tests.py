"""Extracts Django's own template tests (tests/template_tests/filter_tests and
syntax_tests of the pinned Django's source distribution) whose context is plain
JSON data, renders each with the Django oracle (oracle.py: Django 5.2.8 with
autoescape off and passbridge's documented normalisations) and writes them to
tests/django/own_cases.json for tests/django_own.rs, which CI runs without the
source distribution:

    pip download --no-deps --no-binary :all: Django==5.2.8 -d .tmp/sdist
    .tmp/venv/bin/python tests/django/own_tests.py .tmp/sdist/django-5.2.8.tar.gz

A case is one `self.engine.render_to_string(name, context)` followed by
`self.assertEqual(output, expected)` (the branch for an empty
string_if_invalid), or one `get_template`/`render_to_string` inside
`assertRaises(TemplateSyntaxError)`. passbridge reads variables under `person`,
so each free variable `x` of a template becomes `person.x` and the context is
the person's properties; an `{% autoescape off %}` wrapper is dropped
(passbridge never escapes, which is what it asks for).
"""

import ast
import io
import json
import os
import re
import sys
import tarfile

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(__file__))

import oracle  # noqa: E402
from django.template.base import Lexer, TokenType  # noqa: E402

DIRS = ["tests/template_tests/filter_tests", "tests/template_tests/syntax_tests"]
KEYWORDS = {"and", "or", "not", "in", "is", "True", "False", "None", "reversed", "forloop", "as",
            "with", "only", "silent", "by", "on", "off", "noop", "asvar", "from", "_"}
WORD = re.compile(r"""("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[A-Za-z_][A-Za-z0-9_]*|.)""", re.S)


def plain(v):
    """True for JSON data: text, numbers, booleans, None, lists, string-keyed dicts."""
    if v is None or isinstance(v, (str, bool, int, float)):
        return not isinstance(v, float) or v == v and abs(v) != float("inf")
    if isinstance(v, list):
        return all(plain(x) for x in v)
    if isinstance(v, dict):
        return all(isinstance(k, str) and plain(x) for k, x in v.items())
    return False


def rewrite_expr(text, skip):
    """`x.y|f:z` → `person.x.y|f:person.z`: every free variable gets `person.`."""
    out, prev = [], ""
    for m in WORD.finditer(text):
        w = m.group(0)
        if (w[0].isalpha() or w[0] == "_") and prev not in (".", "|") and w not in KEYWORDS \
                and w not in skip and not (prev and (prev[-1].isalnum() or prev[-1] == "_")):
            w = "person." + w
        out.append(w)
        prev = m.group(0) if not m.group(0).isspace() else " "
    return "".join(out)


def rewrite(template):
    tokens = Lexer(template).tokenize()
    loop_vars = set()
    for t in tokens:
        if t.token_type == TokenType.BLOCK:
            words = t.contents.split()
            if words[:1] == ["for"] and "in" in words:
                loop_vars.update(w.strip(",") for w in words[1:words.index("in")])
    parts = []
    for t in tokens:
        if t.token_type == TokenType.TEXT:
            parts.append(t.contents)
        elif t.token_type == TokenType.VAR:
            parts.append("{{ " + rewrite_expr(t.contents, loop_vars) + " }}")
        elif t.token_type == TokenType.COMMENT:
            parts.append("{# " + t.contents + " #}")
        else:
            name, _, rest = t.contents.partition(" ")
            if name == "for" and " in " in f" {rest} ":
                names, _, seq = rest.partition(" in ")
                rest = names + " in " + rewrite_expr(seq, loop_vars)
            elif name in ("if", "elif"):
                rest = rewrite_expr(rest, loop_vars)
            parts.append("{% " + (name + " " + rest).strip() + " %}")
    out = "".join(parts)
    m = re.fullmatch(r"\{% autoescape off %\}(.*)\{% endautoescape %\}", out, re.S)
    return m.group(1) if m and "autoescape" not in m.group(1) else out


class SafeText(ast.NodeTransformer):
    """`mark_safe("x")` is the text "x": passbridge never escapes, so safe
    text and text are the same to it."""

    def visit_Call(self, node):
        self.generic_visit(node)
        if getattr(node.func, "id", "") == "mark_safe" and len(node.args) == 1:
            return node.args[0]
        return node


def literal(node, names):
    try:
        return ast.literal_eval(SafeText().visit(node))
    except (ValueError, TypeError, SyntaxError):
        if isinstance(node, ast.Name) and node.id in names:
            return names[node.id]
        raise ValueError


def engine_call(node):
    """('render'|'get', name node, context node) for self.engine.<call>(…)."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
            and isinstance(node.func.value, ast.Attribute) and node.func.value.attr == "engine":
        if node.func.attr == "render_to_string" and node.args:
            return "render", node.args[0], node.args[1] if len(node.args) > 1 else None
        if node.func.attr == "get_template" and node.args:
            return "get", node.args[0], None
    return None


def statements(body):
    """The statements a run with string_if_invalid="" executes, in order."""
    for st in body:
        if isinstance(st, ast.If) and "string_if_invalid" in ast.unparse(st.test):
            yield from statements(st.orelse)
        elif isinstance(st, ast.If):
            continue
        else:
            yield st


def cases_of(func, templates, names, where):
    pending = None
    for st in statements(func.body):
        if isinstance(st, ast.With):
            ctx = ast.unparse(st.items[0].context_expr)
            if "assertRaises(TemplateSyntaxError" in ctx:
                for inner in ast.walk(st):
                    call = engine_call(inner)
                    if call:
                        yield {"kind": "syntax", "name": call[1], "context": call[2]}
            continue
        value = st.value if isinstance(st, (ast.Assign, ast.Expr)) else None
        call = engine_call(value)
        if call and call[0] == "render":
            pending = call
            continue
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) \
                and value.func.attr == "assertEqual" and len(value.args) == 2:
            a, b = value.args
            inline = engine_call(a)
            if inline and inline[0] == "render":
                pending = inline
            if pending and (inline or ast.unparse(a) == "output"):
                yield {"kind": "ok", "name": pending[1], "context": pending[2], "expected": b}
            pending = None


def extract(sdist):
    with tarfile.open(sdist) as tar:
        files = sorted((m.name, m) for m in tar.getmembers()
                       if any(f"/{d}/test_" in m.name for d in DIRS) and m.name.endswith(".py")
                       and m.name.count("/") == 4)
        for path, member in files:
            src = tar.extractfile(member).read().decode()
            yield path.split("/", 1)[1], src


def main():
    sdist, out = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "tests/django/own_cases.json"
    cases, skipped = [], 0
    for path, src in extract(sdist):
        tree = ast.parse(src)
        names = {}
        for st in tree.body:
            if isinstance(st, ast.Assign) and len(st.targets) == 1 and isinstance(st.targets[0], ast.Name):
                try:
                    names[st.targets[0].id] = ast.literal_eval(st.value)
                except (ValueError, TypeError, SyntaxError):
                    pass
        for func in ast.walk(tree):
            if not isinstance(func, ast.FunctionDef):
                continue
            templates = {}
            for d in func.decorator_list:
                if isinstance(d, ast.Call) and getattr(d.func, "id", "") == "setup":
                    for arg in d.args:
                        try:
                            templates.update(literal(arg, names))
                        except ValueError:
                            pass
            if not templates:
                continue
            for c in cases_of(func, templates, names, path):
                try:
                    name = literal(c["name"], names)
                    context = literal(c["context"], names) if c["context"] is not None else {}
                    expected = literal(c["expected"], names) if "expected" in c else None
                except ValueError:
                    skipped += 1
                    continue
                if name not in templates or not plain(context) or "data" in context \
                        or not isinstance(templates[name], str) or (expected is not None and not isinstance(expected, str)):
                    skipped += 1
                    continue
                tpl = rewrite(templates[name])
                props = context if "properties" in context else {"properties": context}
                cases.append({
                    "name": name, "file": path, "test": func.name, "template": tpl,
                    "django_template": templates[name], "profile": props, "kind": c["kind"],
                    "test_expects": expected, "django": oracle.render(tpl, props, None),
                })
    with io.open(out, "w", encoding="utf-8") as f:
        f.write("[\n" + ",\n".join(json.dumps(c, ensure_ascii=False, sort_keys=True) for c in cases) + "\n]\n")
    print(f"{len(cases)} cases written to {out} ({skipped} calls skipped: context not JSON data)")


if __name__ == "__main__":
    main()
