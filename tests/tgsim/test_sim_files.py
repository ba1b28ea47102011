"""Chat photos as files: getFile, the download URL, a changed photo, faults on downloads, refusals."""

from __future__ import annotations

import struct
import zlib

import pytest
from tgsim.conftest import BOT_ID, BOT_TOKEN, GROUP, OTHER_BOT_TOKEN

from aula_tgsim.testing import SimControlError


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG, after checking its signature and the header chunk's CRC."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    length, kind = struct.unpack(">I4s", data[8:16])
    header = data[16 : 16 + length]
    assert kind == b"IHDR" and struct.unpack(">I", data[16 + length : 20 + length])[0] == zlib.crc32(kind + header)
    assert data.endswith(b"IEND\xae\x42\x60\x82")
    return struct.unpack(">II", header[:8])


def download(tg, file_id: str, token: str = BOT_TOKEN):
    status, answer = tg.bot_api(token, "getFile", file_id=file_id)
    assert status == 200, answer
    return answer["result"], tg.download(token, answer["result"]["file_path"])


def test_a_chat_photo_is_a_real_image_behind_get_file(scene):
    photo = scene.set_chat_photo(GROUP)
    assert scene.bot_api(BOT_TOKEN, "getChat", chat_id=GROUP)[1]["result"]["photo"] == photo
    big, response = download(scene, photo["big_file_id"])
    assert response.status_code == 200 and response.headers["content-type"] == "image/png"
    assert big["file_unique_id"] == photo["big_file_unique_id"] and big["file_size"] == len(response.content)
    assert png_size(response.content) == (16, 16)
    small, response = download(scene, photo["small_file_id"])
    assert png_size(response.content) == (4, 4)
    downloads = scene.calls(method="download")
    assert [(c["bot_id"], c["params"]["file_path"]) for c in downloads] == [
        (BOT_ID, big["file_path"]),
        (BOT_ID, small["file_path"]),
    ]
    assert all(BOT_TOKEN not in str(call) for call in downloads)


def test_a_changed_photo_has_new_ids_and_other_bytes_and_size_pads_it(scene):
    first = scene.set_chat_photo(GROUP)
    second = scene.set_chat_photo(GROUP, size=300_000)
    assert second["big_file_unique_id"] != first["big_file_unique_id"]
    old, new = download(scene, first["big_file_id"])[1], download(scene, second["big_file_id"])[1]
    assert old.content != new.content and len(new.content) == 300_000
    assert png_size(new.content) == (16, 16)  # padded with an ancillary chunk, still a valid image
    scene.delete_chat_photo(GROUP)
    assert "photo" not in scene.bot_api(BOT_TOKEN, "getChat", chat_id=GROUP)[1]["result"]


def test_ids_given_for_a_new_chat_are_kept(tg):
    tg.add_bot(BOT_TOKEN)
    ids = {"small_file_id": "s-1", "small_file_unique_id": "su-1", "big_file_id": "b-1", "big_file_unique_id": "bu-1"}
    tg.add_chat(-1002, "supergroup", photo=ids, members=[{"user_id": BOT_ID, "status": "member"}])
    assert tg.bot_api(BOT_TOKEN, "getChat", chat_id=-1002)[1]["result"]["photo"] == ids
    assert png_size(download(tg, "b-1")[1].content) == (16, 16)


def test_downloads_refuse_unknown_files_and_tokens_and_take_faults(scene):
    photo = scene.set_chat_photo(GROUP)
    path = download(scene, photo["big_file_id"])[0]["file_path"]
    missing = scene.download(BOT_TOKEN, "profile_photos/nothing.png")
    assert missing.status_code == 404 and missing.json()["description"] == "Not Found"
    assert scene.download(OTHER_BOT_TOKEN, path).status_code == 401
    scene.inject_fault("download", 500)
    assert scene.download(BOT_TOKEN, path).status_code == 500
    assert scene.download(BOT_TOKEN, path).status_code == 200  # the fault was used up


@pytest.mark.parametrize("photo", [{"size": -1}, "yes"])
def test_a_malformed_photo_is_refused(scene, photo):
    with pytest.raises(SimControlError) as refused:
        scene._request("PUT", f"/chats/{GROUP}/photo", photo)
    assert refused.value.status == 400
