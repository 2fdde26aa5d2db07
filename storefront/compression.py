"""Responses compressed with Brotli or gzip (Flask-Compress), as the browser accepts.

BREACH: compressing a page that holds a secret next to text an attacker can put in the same
page (a search query) lets the attacker guess the secret from the compressed length, one
character at a time over many requests. So pages about one person (account, orders, cart,
sales points' and back-office pages: sent `Cache-Control: no-store`) are never compressed. The
public pages' only secret is Flask-WTF's CSRF token in the add-to-cart form, which is signed
with a timestamp: its text changes every second, so no guess can build on the last one (a
shopper's cart count in their header is no secret). Stored catalogue pages are compressed once,
when stored, and sent so to everybody whose page they are; filled with a visitor's own cart,
per answer (storefront.page_cache). A stored page whose token comes at its end has its head
compressed once and left open (encode_head): each answer closes it with its own tail, token
included, sent as is, never compressed, which costs little and tells nothing about the token."""
from __future__ import annotations

import gzip
import struct
import zlib
from typing import NamedTuple

import brotli
from flask import Flask, Response, request
from flask_compress import Compress

ENCODINGS = ("br", "gzip")
# Stored pages are compressed once per catalogue version: worth a higher level than on the fly.
STORED_BROTLI_QUALITY = 9
STORED_GZIP_LEVEL = 9
# gzip's own header (RFC 1952) as gzip.compress(level 9, mtime=0) writes it.
GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
# Brotli's last meta-block, empty: ISLAST and ISLASTEMPTY set (RFC 7932 §9.2).
BROTLI_LAST_EMPTY = b"\x03"
AS_IS_BLOCK = 1 << 16  # the most bytes one uncompressed Brotli meta-block holds (4 nibbles)

compress = Compress()


def compress_public_response(response: Response) -> Response:
    if "no-store" in (response.headers.get("Cache-Control") or ""):
        return response
    encoding = accepted_encoding()
    if encoding is None:
        response.vary.add("Accept-Encoding")
        return response
    # Flask-Compress 1.25 ranks the encodings a browser refused (`br;q=0`) too, and may pick one
    # of them: it is given the one chosen here.
    request.environ["HTTP_ACCEPT_ENCODING"] = encoding
    return compress.after_request(response)


def encode_once(body: bytes) -> dict[str, bytes]:
    """A stored page's compressed copies, one per encoding."""
    return {
        "br": brotli.compress(body, quality=STORED_BROTLI_QUALITY, mode=brotli.MODE_TEXT),
        "gzip": gzip.compress(body, STORED_GZIP_LEVEL, mtime=0),
    }


class OpenCopies(NamedTuple):
    """A page's head compressed once, each stream left open at a byte boundary: close_copy
    ends it with the rest of the page as is."""
    head_length: int
    brotli: bytes
    gzip: bytes
    head_crc: int  # the CRC-32 of the head, which the gzip trailer carries on over the tail

    def close_copy(self, encoding: str, tail: bytes) -> bytes:
        if encoding == "br":
            return self.brotli + brotli_as_is(tail) + BROTLI_LAST_EMPTY
        trailer = struct.pack("<II", zlib.crc32(tail, self.head_crc), (self.head_length + len(tail)) & 0xFFFFFFFF)
        return self.gzip + deflate_as_is(tail) + trailer


def encode_head(head: bytes) -> OpenCopies:
    """A page head's compressed copies, flushed to a byte boundary and not ended."""
    brotli_stream = brotli.Compressor(quality=STORED_BROTLI_QUALITY, mode=brotli.MODE_TEXT)
    deflate = zlib.compressobj(STORED_GZIP_LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)  # raw: gzip's framing is ours
    return OpenCopies(
        head_length=len(head),
        brotli=brotli_stream.process(head) + brotli_stream.flush(),
        gzip=GZIP_HEADER + deflate.compress(head) + deflate.flush(zlib.Z_SYNC_FLUSH),
        head_crc=zlib.crc32(head),
    )


def brotli_as_is(data: bytes) -> bytes:
    """Uncompressed meta-blocks (RFC 7932 §9.2): ISLAST 0, MNIBBLES 0 (four nibbles), MLEN - 1
    in 16 bits, ISUNCOMPRESSED 1, zeros to the byte boundary, then the bytes."""
    blocks = []
    for start in range(0, len(data), AS_IS_BLOCK):
        block = data[start:start + AS_IS_BLOCK]
        blocks.append((((len(block) - 1) << 3) | (1 << 19)).to_bytes(3, "little") + block)
    return b"".join(blocks)


def deflate_as_is(data: bytes) -> bytes:
    """Stored deflate blocks (RFC 1951 §3.2.4), the last one final: BFINAL and BTYPE 00 to the
    byte boundary, then LEN and its complement, then the bytes."""
    chunks = [data[start:start + 0xFFFF] for start in range(0, len(data), 0xFFFF)] or [b""]
    last = len(chunks) - 1
    return b"".join(struct.pack("<BHH", index == last, len(chunk), len(chunk) ^ 0xFFFF) + chunk
                    for index, chunk in enumerate(chunks))


def accepted_encoding() -> str | None:
    """The encoding this browser prefers among ours, or None for the plain bytes. One it names
    with q=0 is refused even when `*` accepts the others (RFC 9110 §12.5.3)."""
    named = {value.lower(): quality for value, quality in request.accept_encodings}

    def quality(encoding: str) -> float:
        return named.get(encoding, named.get("*", 0))

    best = max(ENCODINGS, key=quality)  # the first of ours on a tie: Brotli
    return best if quality(best) > 0 else None


def send_encoded(response: Response, encoded: dict[str, bytes] | OpenCopies) -> Response:
    """A response of stored bytes, in the browser's preferred stored encoding; with an open
    head, the response's bytes past it close the stream."""
    response.vary.add("Accept-Encoding")
    encoding = accepted_encoding()
    if encoding is None:
        return response
    if isinstance(encoded, OpenCopies):
        response.set_data(encoded.close_copy(encoding, response.get_data()[encoded.head_length:]))
    else:
        response.set_data(encoded[encoding])
    response.headers["Content-Encoding"] = encoding
    return response


def init_app(app: Flask) -> None:
    """Registered before the page cache: its after_request hook runs after every other one,
    so it sees each response as sent."""
    app.config.setdefault("COMPRESS_REGISTER", False)
    app.config.setdefault("COMPRESS_ALGORITHM", list(ENCODINGS))
    app.config.setdefault("COMPRESS_STREAMS", False)  # streamed: exports written as they are read
    # Compressed per answer, so for speed: Brotli's quality 1 costs a product page 0.03 ms against
    # 0.11 ms at the extension's default of 4, for 3.8 KB sent instead of 3.3 KB.
    app.config.setdefault("COMPRESS_BR_LEVEL", 1)
    app.config.setdefault("COMPRESS_BR_MODE", brotli.MODE_TEXT)
    app.config.setdefault("COMPRESS_LEVEL", 1)  # gzip, for the few browsers without Brotli
    compress.init_app(app)
    app.after_request(compress_public_response)
