"""Files the simulator can hand out: chat photos, as real (tiny) images behind getFile and the file download URL.

Telegram serves a file in two steps: `getFile(file_id)` answers a `file_path`, valid for an hour, and
`GET /file/bot<token>/<file_path>` answers the bytes. Here every chat photo set through the control API gets a
small PNG per size (big and small), its colour drawn from the photo's unique id, so a changed photo is a
different image. `size` pads the big one (with a private ancillary chunk, still a valid PNG) to test limits.
"""

from __future__ import annotations

import hashlib
import itertools
import struct
import zlib
from dataclasses import dataclass
from typing import Any

PNG = "image/png"
_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_photo_numbers = itertools.count(1)


@dataclass(frozen=True)
class StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    content: bytes
    content_type: str = PNG

    def get_file_json(self) -> dict[str, Any]:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.content),
            "file_path": self.file_path,
        }


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(seed: str, side: int = 8, at_least: int = 0) -> bytes:
    """A `side`×`side` PNG of one colour derived from `seed`, padded to `at_least` bytes if asked."""
    red, green, blue = hashlib.sha256(seed.encode()).digest()[:3]
    row = b"\x00" + bytes((red, green, blue)) * side  # filter byte "none", then RGB pixels
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)  # 8-bit RGB
    parts = [_SIGNATURE, _chunk(b"IHDR", header), _chunk(b"IDAT", zlib.compress(row * side))]
    padding = at_least - sum(map(len, parts)) - 2 * 12  # the pad chunk's and IEND's framing
    if padding > 0:
        parts.append(_chunk(b"pdDg", b"\x00" * padding))  # ancillary, private: viewers skip it
    parts.append(_chunk(b"IEND", b""))
    return b"".join(parts)


def chat_photo(chat_id: int, spec: dict[str, Any]) -> tuple[dict[str, str], list[StoredFile]]:
    """The ChatPhoto of getChat and the files behind it. Ids given in `spec` are kept, missing ones made up."""
    number = next(_photo_numbers)
    photo = {}
    for size in ("small", "big"):
        photo[f"{size}_file_id"] = str(spec.get(f"{size}_file_id") or f"chatphoto-{chat_id}-{number}-{size}")
        photo[f"{size}_file_unique_id"] = str(spec.get(f"{size}_file_unique_id") or f"cp{number}{size[0]}")
    files = [
        StoredFile(
            file_id=photo[f"{size}_file_id"],
            file_unique_id=photo[f"{size}_file_unique_id"],
            file_path=f"profile_photos/file_{number}_{size}.png",
            content=png(photo[f"{size}_file_unique_id"], side, int(spec.get("size", 0)) if size == "big" else 0),
        )
        for size, side in (("small", 4), ("big", 16))
    ]
    return photo, files
