"""Plumbing every API module shares: how a list pages, how a body an endpoint reads itself is
read and described. (haven/api.py mounts the routers and maps errors; this module imports no app, so
every app's API may import it.)"""

from __future__ import annotations

import json
from typing import Any, TypeVar, cast

from django.core.exceptions import (
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
    ValidationError,
)
from django.http import HttpRequest
from django.http.multipartparser import MultiPartParserError
from ninja.errors import HttpError
from pydantic import BaseModel
from pydantic import ValidationError as PydanticError

# --- lists ----------------------------------------------------------------------------------------

#: The furthest a list pages. Past it a page is empty; an offset the database cannot hold (2^63
#: and up is out of a 64-bit integer) would be an error, not an empty page.
MAX_OFFSET = 2**31 - 1
#: The largest id a filter such as ``before`` is compared with (the same reason).
MAX_ID = 2**62


def page(limit: int, offset: int = 0, *, most: int) -> slice:
    """The rows of one page of an API list: ``limit`` cut to 1..``most``, ``offset`` to
    0..MAX_OFFSET, so that no number a caller sends reaches the database unbounded. Every list
    of the API pages through this (``qs[page(limit, offset, most=500)]``)."""
    limit = max(1, min(limit, most))
    offset = max(0, min(offset, MAX_OFFSET))
    return slice(offset, offset + limit)


def bounded_id(value: int) -> int:
    """An id a list is filtered by (``before``), within what the database holds."""
    return max(-MAX_ID, min(value, MAX_ID))


# --- request bodies an endpoint reads itself ------------------------------------------------------


def _inline(schema: dict[str, Any]) -> dict[str, Any]:
    """A model's JSON Schema with its own ``$defs`` put in place of their references: the document
    is embedded in the OpenAPI one, where ``#/$defs/…`` would not resolve."""
    schema = dict(schema)
    definitions = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return inline(definitions[ref.removeprefix("#/$defs/")])
            return {key: inline(value) for key, value in node.items()}
        if isinstance(node, list):
            return [inline(value) for value in node]
        return node

    return cast(dict[str, Any], inline(schema))


def request_body(
    schema: type[BaseModel], *, required: bool = True, multipart: bool = False
) -> dict[str, Any]:
    """``openapi_extra`` describing the JSON body of an endpoint that reads its body itself (after
    its access check, so that what one may not see is a 404 whatever one sent). ``multipart``: it
    also takes multipart/form-data with the same JSON in a ``data`` part and ``files``."""
    document = _inline(schema.model_json_schema())
    content: dict[str, Any] = {"application/json": {"schema": document}}
    if multipart:
        content["multipart/form-data"] = {
            "schema": {
                "type": "object",
                "properties": {
                    "data": {
                        "type": "string",
                        "contentMediaType": "application/json",
                        "description": "The JSON body described for application/json",
                    },
                    "files": {
                        "type": "array",
                        "items": {"type": "string", "contentMediaType": "application/octet-stream"},
                    },
                },
                "required": ["data"],
            }
        }
    return {"requestBody": {"required": required, "content": content}}


# --- reading a body by hand -----------------------------------------------------------------------

SchemaT = TypeVar("SchemaT", bound=BaseModel)


def read_data(
    request: HttpRequest, *, files: bool = False, fallback_charset: str | None = None
) -> tuple[dict[str, Any], list[Any]]:
    """The request's data: a JSON body, or (multipart or a form) a ``data`` part holding the same
    JSON, else the form's fields; and, when ``files``, the uploaded ``files``. A JSON body that is
    not UTF-8 is read as ``fallback_charset`` when one is given (a monitoring tool's Windows-1252).
    A body that cannot be read is a 400 that says so, a too large one a 413 — never a 500."""
    content_type = request.META.get("CONTENT_TYPE", "")
    uploads: list[Any] = []
    try:
        if content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
            raw = request.POST.get("data", "")
            data = json.loads(raw) if raw else {k: v for k, v in request.POST.items()}
            if files:
                uploads = request.FILES.getlist("files")
        else:
            body = request.body or b"{}"
            if fallback_charset is None:
                data = json.loads(body)
            else:
                try:
                    text = body.decode("utf-8")
                except UnicodeDecodeError:
                    text = body.decode(fallback_charset, errors="replace")
                data = json.loads(text)
    except RequestDataTooBig as exc:
        raise HttpError(413, "The request is too large.") from exc
    except (TooManyFieldsSent, TooManyFilesSent) as exc:
        raise HttpError(400, "The request has too many fields or files.") from exc
    except (ValueError, UnicodeDecodeError, MultiPartParserError) as exc:
        raise HttpError(
            400, "The body is not valid JSON (or multipart with a JSON `data` part)."
        ) from exc
    if not isinstance(data, dict):
        raise HttpError(400, "The body must be a JSON object.")
    return data, uploads


def parse(schema: type[SchemaT], data: dict[str, Any]) -> SchemaT:
    """Validate data read by hand; a 422 names each bad field by its path in the body (a field may
    itself be called ``body``, so the path is not prefixed with where it came from)."""
    try:
        return schema.model_validate(data)
    except PydanticError as exc:
        errors: dict[str, list[str]] = {}
        for error in exc.errors():
            name = ".".join(str(part) for part in error["loc"]) or "body"
            errors.setdefault(name, []).append(error["msg"])
        raise ValidationError(errors) from exc


def read_body(
    request: HttpRequest, schema: type[SchemaT], *, fallback_charset: str | None = None
) -> SchemaT:
    """The body as ``schema`` (:func:`read_data`, then :func:`parse`): for endpoints that check
    access before they read what was sent."""
    return parse(schema, read_data(request, fallback_charset=fallback_charset)[0])
