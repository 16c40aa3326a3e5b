"""Residents' personal data encrypted in everything Temporal stores (DESIGN §9).

:class:`EncryptionCodec` is the payload codec of every Whistle client and worker: each payload (start
input, activity inputs and results, updates, signals, queries, continue-as-new, results, failures'
details) is serialised and sealed with AES-256-GCM; the key id travels in the payload's metadata, so
keys can be rotated: the newest key encrypts, every key of the ring decrypts. Payloads that were never
encrypted (histories recorded before the codec) pass through unchanged.

Keys come from ``WHISTLE_CODEC_KEYS`` (``id=base64key,…``, the last the newest) or a key file in the
same format, one key a line. The embedded mode creates a random key file under the data directory on
first start; there is no built-in key.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from google.protobuf.message import Message
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

from core.files import write_once

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"
NONCE_BYTES = 12
KEY_FILE_NAME = "codec.keys"


class CodecKeyError(ValueError):
    """Raised when the keys are missing or malformed, or a payload names a key the ring does not hold."""


@dataclass(frozen=True)
class Keyring:
    """Keys by id; the last one encrypts."""

    keys: tuple[tuple[str, bytes], ...]

    def __post_init__(self) -> None:
        if not self.keys:
            raise CodecKeyError("no encryption key: set WHISTLE_CODEC_KEYS or WHISTLE_CODEC_KEY_FILE")
        for key_id, key in self.keys:
            if not key_id or "=" in key_id or len(key) != 32:
                raise CodecKeyError(f"key {key_id!r}: an id without '=' and 32 bytes (AES-256) are needed")

    @property
    def current(self) -> tuple[str, bytes]:
        return self.keys[-1]

    def get(self, key_id: str) -> bytes:
        for kid, key in self.keys:
            if kid == key_id:
                return key
        raise CodecKeyError(f"payload encrypted with key {key_id!r}, which this keyring does not hold")

    @classmethod
    def parse(cls, text: str) -> Keyring:
        """``id=base64key`` items separated by commas or lines; blank lines and ``#`` comments ignored."""
        keys = []
        lines = [line.split("#", 1)[0] for line in text.splitlines()]
        for item in ",".join(lines).split(","):
            item = item.strip()
            if not item:
                continue
            key_id, sep, encoded = item.partition("=")
            if not sep:
                raise CodecKeyError("each key is written id=base64key")
            try:
                key = base64.b64decode(encoded.strip(), validate=True)
            except ValueError:
                raise CodecKeyError(f"key {key_id.strip()!r} is not base64") from None
            keys.append((key_id.strip(), key))
        return cls(tuple(keys))

    @staticmethod
    def new_line() -> str:
        return f"k{secrets.token_hex(4)}={base64.b64encode(AESGCM.generate_key(bit_length=256)).decode()}"


def embedded_key_file(data_dir: Path) -> Path:
    """The embedded mode's key file, created with one random key on first start (readable by its owner only)."""
    path = data_dir / KEY_FILE_NAME
    write_once(path, "# Whistle's payload encryption keys: id=base64key, the last one encrypts. Keep it secret.\n"
               + Keyring.new_line() + "\n")
    return path


class EncryptionCodec(PayloadCodec):
    def __init__(self, keyring: Keyring) -> None:
        self.keyring = keyring

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        key_id, key = self.keyring.current
        aes = AESGCM(key)
        out = []
        for p in payloads:
            nonce = secrets.token_bytes(NONCE_BYTES)
            sealed = aes.encrypt(nonce, p.SerializeToString(), key_id.encode())
            out.append(Payload(metadata={"encoding": ENCODING, KEY_ID: key_id.encode()}, data=nonce + sealed))
        return out

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        out = []
        for p in payloads:
            if p.metadata.get("encoding") != ENCODING:
                out.append(p)  # never encrypted: histories from before the codec
                continue
            key_id = p.metadata.get(KEY_ID, b"").decode()
            aes = AESGCM(self.keyring.get(key_id))
            plain = aes.decrypt(p.data[:NONCE_BYTES], p.data[NONCE_BYTES:], key_id.encode())
            inner = Payload()
            inner.ParseFromString(plain)
            out.append(inner)
        return out


async def decode_tree(message: Message, codec: PayloadCodec) -> None:
    """Decode, in place, every payload anywhere in ``message`` (a history event, a whole history)."""
    for field, value in message.ListFields():
        kind = field.message_type
        if kind is None:
            continue
        if kind.GetOptions().map_entry:  # map<string, X>: the entries' values
            inner = kind.fields_by_name["value"].message_type
            if inner is None:
                continue
            items: list[Any] = list(value.values())
            kind = inner
        elif field.is_repeated:
            items = list(value)
        else:
            items = [value]
        for item in items:
            if kind.full_name == Payload.DESCRIPTOR.full_name:
                item.CopyFrom((await codec.decode([item]))[0])
            else:
                await decode_tree(item, codec)
