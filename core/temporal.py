"""Connecting to Temporal, the same way everywhere: pydantic payloads, sealed by the encryption codec."""

from __future__ import annotations

import dataclasses

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter
from temporalio.service import TLSConfig

from core.payload_codec import CodecKeyError, EncryptionCodec, Keyring, embedded_key_file
from core.settings import Settings

#: without encryption: for replaying histories recorded before the codec, and for recording new ones
PLAIN_CONVERTER = pydantic_data_converter


def keyring(settings: Settings) -> Keyring:
    """The payload keys from the settings, or the embedded mode's key file (created on first start)."""
    if settings.codec_keys is not None:
        return Keyring.parse(settings.codec_keys.get_secret_value())
    path = settings.codec_key_file
    if path is None:
        if settings.mode != "embedded":
            raise CodecKeyError("outside the embedded mode set WHISTLE_CODEC_KEYS or WHISTLE_CODEC_KEY_FILE")
        path = embedded_key_file(settings.data_dir)
    return Keyring.parse(path.read_text())


def encrypted(keys: Keyring) -> DataConverter:
    return dataclasses.replace(PLAIN_CONVERTER, payload_codec=EncryptionCodec(keys))


def data_converter(settings: Settings) -> DataConverter:
    return encrypted(keyring(settings))


def tls_config(settings: Settings) -> TLSConfig | bool:
    """mTLS to the frontend when a client certificate is configured; plain otherwise (the embedded dev server)."""
    if settings.temporal_tls_cert_file is None or settings.temporal_tls_key_file is None:
        return False
    ca = settings.temporal_tls_ca_file
    return TLSConfig(client_cert=settings.temporal_tls_cert_file.read_bytes(),
                     client_private_key=settings.temporal_tls_key_file.read_bytes(),
                     server_root_ca_cert=ca.read_bytes() if ca else None, domain=settings.temporal_tls_server_name)


async def connect(settings: Settings) -> Client:
    if (problem := settings.temporal_security_problem()) is not None:
        raise TemporalSecurityError(problem)
    api_key = settings.temporal_api_key.get_secret_value() if settings.temporal_api_key else None
    return await Client.connect(settings.temporal_address, namespace=settings.temporal_namespace,
                                data_converter=data_converter(settings), tls=tls_config(settings), api_key=api_key)


class TemporalSecurityError(RuntimeError):
    """The settings would connect to Temporal in a way production must not."""
