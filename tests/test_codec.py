"""The payload codec: AES-256-GCM, the key id in the metadata, rotation, and plain payloads passing through."""

from __future__ import annotations

import base64
import stat
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag
from temporalio.api.common.v1 import Payload

from core.payload_codec import CodecKeyError, EncryptionCodec, Keyring, embedded_key_file

SECRET = "王女士 13800000000".encode()


async def test_sealed_payloads_hide_their_data_and_open_with_any_key_of_the_ring() -> None:
    old, new = Keyring.new_line(), Keyring.new_line()
    before = EncryptionCodec(Keyring.parse(old))
    sealed = (await before.encode([Payload(metadata={"encoding": b"json/plain"}, data=SECRET)]))[0]
    assert SECRET not in sealed.data and sealed.metadata["encryption-key-id"] == old.split("=")[0].encode()
    rotated = EncryptionCodec(Keyring.parse(f"{old}\n{new}"))
    assert (await rotated.decode([sealed]))[0].data == SECRET
    resealed = (await rotated.encode([Payload(data=SECRET)]))[0]
    assert resealed.metadata["encryption-key-id"] == new.split("=")[0].encode()  # the newest encrypts
    with pytest.raises(CodecKeyError, match="does not hold"):
        await before.decode([resealed])


async def test_a_tampered_payload_is_refused_and_a_plain_one_passes() -> None:
    codec = EncryptionCodec(Keyring.parse(Keyring.new_line()))
    sealed = (await codec.encode([Payload(data=SECRET)]))[0]
    tampered = Payload(metadata=dict(sealed.metadata), data=sealed.data[:-1] + bytes([sealed.data[-1] ^ 1]))
    with pytest.raises(InvalidTag):
        await codec.decode([tampered])
    plain = Payload(metadata={"encoding": b"json/plain"}, data=b"{}")
    assert (await codec.decode([plain]))[0] == plain


def test_the_embedded_key_file_is_created_once_readable_by_its_owner(tmp_path: Path) -> None:
    path = embedded_key_file(tmp_path)
    first = path.read_text()
    assert embedded_key_file(tmp_path).read_text() == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(Keyring.parse(first).keys) == 1


@pytest.mark.parametrize("text", ["", "k1", "k1=notbase64!", f"k1={base64.b64encode(b'short').decode()}"])
def test_bad_keys_are_refused(text: str) -> None:
    with pytest.raises(CodecKeyError):
        Keyring.parse(text)
