"""File uploads over GraphQL: the multipart request spec
(https://github.com/jaydenseric/graphql-multipart-request-spec), as Apollo's and urql's
upload clients send it.

A multipart request has an ``operations`` field (the JSON request, each file a ``null``
placeholder in its variables), a ``map`` field (``{"0": ["variables.file"]}``) and the files.
Starlette spools each file to a temporary file past 1 MiB, so a large upload is never held in
memory; the resolver that takes an ``Upload`` streams it on to storage.

Every malformed part is refused as a coded error naming the part, never a 500:
- the request must carry a preflight header (``GraphQL-Preflight``,
  ``Apollo-Require-Preflight`` or ``X-Apollo-Operation-Name``): a browser sends a multipart
  form across origins without asking first, and the header makes it ask (CSRF);
- ``operations`` must be one request object (batches are not served), ``map`` an object of
  lists of ``variables.…`` paths, each naming a ``null`` placeholder, each file mapped;
- at most ``max_files`` files.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cross_web import StarletteRequestAdapter
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.formparsers import MultiPartException

from crmhub.http_errors import RequestRefused, decode_json

PREFLIGHT_HEADERS = ("graphql-preflight", "apollo-require-preflight", "x-apollo-operation-name")


class UploadingRequestAdapter(StarletteRequestAdapter):
    """Strawberry's view of a Starlette request, with its form read under a file limit."""

    async def form(self, max_files: int) -> FormData:
        return await self._request.form(max_files=max_files, max_fields=max_files + 2)


async def multipart_request(request: UploadingRequestAdapter, *, max_files: int) -> dict[str, Any]:
    """The GraphQL request of a multipart body, each mapped file in its variable's place."""
    if not any(request.headers.get(name) for name in PREFLIGHT_HEADERS):
        raise RequestRefused(
            "headers",
            "A multipart request must carry a 'GraphQL-Preflight: 1' header "
            "(or Apollo-Require-Preflight), so that browsers ask before sending it",
        )
    form = await _form(request, max_files)
    operations = decode_json(_text_part(form, "operations"), "operations")
    if not isinstance(operations, dict):
        raise RequestRefused(
            "operations", "'operations' must be one request object (batches are not served)"
        )
    files_map = decode_json(_text_part(form, "map"), "map")
    if not isinstance(files_map, dict):
        raise RequestRefused("map", "'map' must be an object of file field names to paths")
    for name, paths in files_map.items():
        upload = form.get(name)
        if not isinstance(upload, UploadFile):
            raise RequestRefused("map", f"'map' names file field '{name}', which is not sent")
        if not isinstance(paths, list) or not paths:
            raise RequestRefused("map", f"'map.{name}' must be a non-empty list of paths")
        for path in paths:
            _place(operations, path, upload)
    return operations


async def _form(request: UploadingRequestAdapter, max_files: int) -> FormData:
    # Starlette refuses a malformed body, or one past the file limit, with its own
    # HTTPException (inside an app) or MultiPartException.
    try:
        return await request.form(max_files)
    except (StarletteHTTPException, MultiPartException, ValueError) as refused:
        detail = getattr(refused, "detail", None) or getattr(refused, "message", str(refused))
        raise RequestRefused("body", f"Unable to parse the multipart body: {detail}") from None


def _text_part(form: FormData, name: str) -> str:
    value = form.get(name)
    if not isinstance(value, str):
        raise RequestRefused(name, f"The multipart body must have a text field '{name}'")
    return value


def _place(operations: dict[str, Any], path: object, upload: UploadFile) -> None:
    """Puts ``upload`` where ``path`` (``variables.a.0.b``) names a null placeholder."""
    if not isinstance(path, str) or not path.startswith("variables."):
        raise RequestRefused("map", f"'map' path {path!r} must start with 'variables.'")
    *parents, last = path.split(".")
    target: object = operations
    for key in parents:
        target = _child(target, key, path)
    if isinstance(target, dict) and last in target and target[last] is None:
        target[last] = upload
    elif isinstance(target, list) and _index(last, target) is not None:
        index = _index(last, target)
        assert index is not None
        if target[index] is not None:
            raise RequestRefused("map", f"'map' path {path!r} must name a null placeholder")
        target[index] = upload
    else:
        raise RequestRefused("map", f"'map' path {path!r} must name a null placeholder")


def _child(target: object, key: str, path: str) -> object:
    if isinstance(target, Mapping) and key in target:
        return target[key]
    if isinstance(target, list):
        index = _index(key, target)
        if index is not None:
            return target[index]
    raise RequestRefused("map", f"'map' path {path!r} is not in the operation's variables")


def _index(key: str, items: list[Any]) -> int | None:
    return int(key) if key.isdigit() and int(key) < len(items) else None
