"""``GET /openapi.json`` and ``GET /docs``: the API's description, for machines and for people.

Both come from ``verifier.openapi.document()``; the page is that document laid out as HTML
(one section per tag, the error table, the schemas), self-contained so it works offline. The
small Markdown subset the descriptions use (paragraphs, ``-``/``1.`` lists, backtick code) is
rendered here, after escaping, so no description can inject markup.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from verifier import openapi
from verifier.templating import templates

SCHEMA_PREFIX = "#/components/schemas/"
CODE_SPAN = re.compile(r"`([^`]+)`")
LIST_ITEM = re.compile(r"^(?:- |\d+\. )")


async def openapi_json(_request: Request) -> Response:
    return JSONResponse(openapi.document())


async def docs_page(request: Request) -> Response:
    # A copy: the response adds the request to its context.
    return templates.TemplateResponse(request, "docs.html", dict(page()))


# -- the page's view of the document ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Row:
    """A named thing with a type: a parameter, a body field or a schema property."""

    name: str
    type: Markup
    required: bool
    description: Markup
    where: str = ""


@dataclass(frozen=True, slots=True)
class Answer:
    status: str
    description: Markup
    body: Markup  # the body's type, or empty


@dataclass(frozen=True, slots=True)
class Op:
    method: str
    path: str
    anchor: str
    summary: str
    description: Markup
    admin: bool
    parameters: list[Row]
    body_types: list[str]
    body_type: Markup
    body_fields: list[Row]
    answers: list[Answer]


@dataclass(frozen=True, slots=True)
class Section:
    tag: str
    description: Markup
    operations: list[Op] = field(default_factory=list)


def inline(text: str) -> Markup:
    """Escape, then turn `code` spans into <code>."""
    parts = CODE_SPAN.split(text)  # plain, code, plain, code, ...
    return Markup("").join(Markup("<code>{}</code>").format(part) if index % 2 else escape(part)
                           for index, part in enumerate(parts))


def prose(text: str) -> Markup:
    """Paragraphs and lists of the descriptions' Markdown subset."""
    blocks: list[Markup] = []
    for block in text.split("\n\n"):
        lines = [line for line in block.split("\n") if line.strip()]
        if lines and all(LIST_ITEM.match(line) for line in lines):
            items = Markup("").join(Markup("<li>{}</li>").format(inline(LIST_ITEM.sub("", line)))
                                    for line in lines)
            tag = "ul" if lines[0].startswith("- ") else "ol"
            blocks.append(Markup("<{0}>{1}</{0}>").format(tag, items))
        elif lines:
            blocks.append(Markup("<p>{}</p>").format(inline(" ".join(lines))))
    return Markup("").join(blocks)


def schema_name(schema: dict[str, Any]) -> str | None:
    target = schema.get("$ref", "")
    return target.removeprefix(SCHEMA_PREFIX) if target.startswith(SCHEMA_PREFIX) else None


def type_of(schema: dict[str, Any]) -> Markup:
    """How a schema reads in a table: a link to a named schema, ``array of X``, ``string``."""
    name = schema_name(schema)
    if name:
        return Markup('<a href="#schema-{0}">{0}</a>').format(name)
    kind = schema.get("type", "any")
    kinds = kind if isinstance(kind, list) else [kind]
    words = []
    for one in kinds:
        if one == "array":
            words.append(Markup("array of ") + type_of(schema.get("items", {})))
        elif one == "string" and "format" in schema:
            words.append(escape(f"string ({schema['format']})"))
        else:
            words.append(escape(one))
    return Markup(" or ").join(words)


def constraints(schema: dict[str, Any]) -> str:
    notes = []
    for key, word in (("minimum", "min"), ("maximum", "max"), ("maxLength", "max length"),
                      ("default", "default"), ("pattern", "pattern")):
        if key in schema:
            notes.append(f"{word} `{schema[key]}`")
    if "const" in schema:
        notes.append(f"always `{schema['const']}`")
    if "enum" in schema:
        notes.append("one of " + ", ".join(f"`{v if v is not None else 'null'}`"
                                           for v in schema["enum"]))
    return "; ".join(notes)


def describe(schema: dict[str, Any]) -> Markup:
    text = "; ".join(part for part in (schema.get("description", ""), constraints(schema))
                     if part)
    return inline(text)


def fields(schema: dict[str, Any], schemas: dict[str, Any]) -> list[Row]:
    name = schema_name(schema)
    target = schemas[name] if name else schema
    required = set(target.get("required", []))
    return [Row(key, type_of(prop), key in required, describe(prop))
            for key, prop in target.get("properties", {}).items()]


def _operation(method: str, path: str, raw: dict[str, Any], schemas: dict[str, Any]) -> Op:
    parameters = [Row(p["name"], type_of(p["schema"]), p.get("required", False),
                      describe({**p["schema"], "description": p.get("description", "")}),
                      p["in"]) for p in raw.get("parameters", [])]
    body: dict[str, Any] = raw.get("requestBody", {}).get("content", {})
    body_schema: dict[str, Any] = next(iter(body.values()))["schema"] if body else {}
    answers = []
    for status, answer in raw["responses"].items():
        content = answer.get("content", {})
        kinds = [type_of(c["schema"]) if media == "application/json" else escape(media)
                 for media, c in content.items()]
        answers.append(Answer(status, prose(answer["description"]), Markup(", ").join(kinds)))
    return Op(method.upper(), path, raw["operationId"], raw["summary"], prose(raw["description"]),
              raw.get("security") == [{"bearerAuth": []}], parameters, list(body),
              type_of(body_schema) if body else Markup(),
              fields(body_schema, schemas) if body else [], answers)


@cache
def page() -> dict[str, Any]:
    """The template's context, built once from the document."""
    document = openapi.document()
    schemas = document["components"]["schemas"]
    sections = {tag["name"]: Section(tag["name"], inline(tag["description"]))
                for tag in document["tags"]}
    for path, methods in document["paths"].items():
        for method, raw in methods.items():
            sections[raw["tags"][0]].operations.append(_operation(method, path, raw, schemas))
    return {
        "title": document["info"]["title"],
        "version": document["info"]["version"],
        "intro": prose(document["info"]["description"]),
        "sections": list(sections.values()),
        "errors": openapi.error_rows(),
        "schemas": [(name, describe(schema), fields(schema, schemas))
                    for name, schema in schemas.items()],
    }
