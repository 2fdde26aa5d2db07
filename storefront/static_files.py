"""Static files fingerprinted: every url_for('static', ...) carries ?v=<hash of the file's
content>, so a browser may keep the file for a year without asking again; a changed file gets a
new address, and the next page's links fetch it at once."""
from __future__ import annotations

import hashlib
import os

from flask import Flask, Response, current_app, request, url_for

ONE_YEAR = 365 * 24 * 3600
VERSION_ARG = "v"

# path -> (mtime_ns, size, hash): a file is read again only when it changes on disk.
_fingerprints: dict[str, tuple[int, int, str]] = {}
# (script root, file name, hash) -> its address, for static_url.
_addresses: dict[tuple[str, str, str | None], str] = {}


def fingerprint(filename: str) -> str | None:
    """The first 12 hex digits of the file's BLAKE2b, or None when there is no such file."""
    static_folder = current_app.static_folder
    if static_folder is None:
        return None
    path = os.path.join(static_folder, filename)
    try:
        stat = os.stat(path)
    except (OSError, ValueError):  # a missing file, or a name with a NUL byte
        return None
    known = _fingerprints.get(path)
    if known and known[:2] == (stat.st_mtime_ns, stat.st_size):
        return known[2]
    with open(path, "rb") as file:
        digest = hashlib.blake2b(file.read(), digest_size=6).hexdigest()
    _fingerprints[path] = (stat.st_mtime_ns, stat.st_size, digest)
    return digest


def add_fingerprint(endpoint: str, values: dict) -> None:
    """url_defaults hook: url_for('static', filename=...) gains ?v=<hash>."""
    if endpoint == "static" and "filename" in values and VERSION_ARG not in values:
        if digest := fingerprint(values["filename"]):
            values[VERSION_ARG] = digest


def static_url(filename: str) -> str:
    """url_for('static', filename=filename), built once per version of the file: for the
    files of every page's layout, where building the address each time was a fifth of an empty
    page's rendering. The file is still looked at each time, so a changed one gets its new
    address at once."""
    key = (request.script_root, filename, fingerprint(filename))
    if key not in _addresses:
        _addresses[key] = url_for("static", filename=filename)
    return _addresses[key]


def cache_fingerprinted_files(response: Response) -> Response:
    """A fingerprinted address always names the same bytes: browsers keep them for a year.
    The file is read into memory (ours are small) so that it is compressed whole, with a
    Content-Length, and closed when the response is."""
    if request.endpoint != "static" or response.status_code != 200:
        return response
    response.direct_passthrough = False
    response.make_sequence()
    if request.args.get(VERSION_ARG):
        response.cache_control.public = True
        response.cache_control.max_age = ONE_YEAR
        response.cache_control.immutable = True
        response.cache_control.no_cache = None
    return response


def init_app(app: Flask) -> None:
    app.url_defaults(add_fingerprint)
    app.add_template_global(static_url)
    app.after_request(cache_fingerprinted_files)
