"""``aes_encrypt`` / ``aes_decrypt`` / ``try_aes_decrypt``, in Spark's formats.

AES (FIPS-197) is computed here with numpy over all of a value's blocks at once (the
tables are derived from GF(2^8) arithmetic, not copied); the modes are Spark's: ECB and
CBC with PKCS#7 padding, and GCM (NIST SP 800-38D) without padding.  Spark prepends the
IV to CBC and GCM output (a random one unless given) and appends GCM's 16-byte tag.

>>> key = bytes(range(16))
>>> encrypt_block(bytes.fromhex("00112233445566778899aabbccddeeff"), key).hex()
'69c4e0d86a7b0430d8cdb78070b4c55a'
>>> decrypt(encrypt(b"Spark", key, "GCM", "DEFAULT", b"", b"aad"), key, "GCM", "DEFAULT",
...         b"aad")
b'Spark'
"""
from __future__ import annotations

import os
from typing import Any, Callable

import numpy as np
import pyarrow as pa

from minispark.errors import SparkRuntimeException
from minispark.sql.builtins.registry import implicit_cast, scalar
from minispark.sql.builtins.support import rowwise
from minispark.sql.plan import expressions as E
from minispark.sql.types import BinaryType, StringType

# ---- the cipher ------------------------------------------------------------------------------


def _gf_mul(a: int, b: int) -> int:
    """Product in GF(2^8) modulo x^8 + x^4 + x^3 + x + 1."""
    out = 0
    while b:
        if b & 1:
            out ^= a
        a = ((a << 1) ^ (0x11B if a & 0x80 else 0)) & 0xFF
        b >>= 1
    return out


def _sbox() -> np.ndarray:
    """SubBytes: the multiplicative inverse (a^254), then the affine map with 0x63."""
    table = np.zeros(256, dtype=np.uint8)
    for a in range(256):
        inverse = 1
        for _ in range(254):
            inverse = _gf_mul(inverse, a)
        inverse = inverse if a else 0
        s = inverse
        for shift in range(1, 5):
            s ^= ((inverse << shift) | (inverse >> (8 - shift))) & 0xFF
        table[a] = s ^ 0x63
    return table


_SBOX = _sbox()
_INV_SBOX = np.argsort(_SBOX).astype(np.uint8)
_MUL = {k: np.array([_gf_mul(a, k) for a in range(256)], dtype=np.uint8)
        for k in (2, 3, 9, 11, 13, 14)}
# State byte i is row i % 4, column i // 4; ShiftRows moves row r left by r columns.
_SHIFT = np.array([r + 4 * ((c + r) % 4) for c in range(4) for r in range(4)])
_INV_SHIFT = np.argsort(_SHIFT)


def _round_keys(key: bytes) -> np.ndarray:
    """The expanded key: (rounds + 1) round keys of 16 bytes."""
    nk = len(key) // 4
    rounds = nk + 6
    words = [list(key[4 * i:4 * i + 4]) for i in range(nk)]
    rcon = 1
    for i in range(nk, 4 * (rounds + 1)):
        temp = list(words[i - 1])
        if i % nk == 0:
            temp = [int(_SBOX[b]) for b in temp[1:] + temp[:1]]
            temp[0] ^= rcon
            rcon = _gf_mul(rcon, 2)
        elif nk > 6 and i % nk == 4:
            temp = [int(_SBOX[b]) for b in temp]
        words.append([a ^ b for a, b in zip(words[i - nk], temp)])
    return np.array(words, dtype=np.uint8).reshape(rounds + 1, 16)


def _mix(state: np.ndarray, m: tuple[int, int, int, int]) -> np.ndarray:
    """(Inv)MixColumns: each column times the circulant matrix with first row ``m``."""
    cols = state.reshape(-1, 4, 4)
    out = np.zeros_like(cols)
    for r in range(4):
        for k in range(4):
            factor = m[(k - r) % 4]
            column = cols[:, :, k]
            out[:, :, r] ^= column if factor == 1 else _MUL[factor][column]
    return out.reshape(-1, 16)


def _encrypt_blocks(blocks: np.ndarray, keys: np.ndarray) -> np.ndarray:
    state = blocks ^ keys[0]
    for i in range(1, len(keys)):
        state = _SBOX[state][:, _SHIFT]
        if i < len(keys) - 1:
            state = _mix(state, (2, 3, 1, 1))
        state = state ^ keys[i]
    return state


def _decrypt_blocks(blocks: np.ndarray, keys: np.ndarray) -> np.ndarray:
    state = blocks ^ keys[-1]
    for i in range(len(keys) - 2, -1, -1):
        state = _INV_SBOX[state[:, _INV_SHIFT]] ^ keys[i]
        if i > 0:
            state = _mix(state, (14, 11, 13, 9))
    return state


def _blocks(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype=np.uint8).reshape(-1, 16)


def encrypt_block(block: bytes, key: bytes) -> bytes:
    """One 16-byte block under ``key`` (AES-128/192/256 by the key's length)."""
    return _encrypt_blocks(_blocks(block), _round_keys(key)).tobytes()


# ---- modes -----------------------------------------------------------------------------------


def _pad(data: bytes) -> bytes:
    fill = 16 - len(data) % 16
    return data + bytes([fill]) * fill


def _unpad(data: bytes) -> bytes:
    fill = data[-1] if data else 0
    if not 1 <= fill <= 16 or data[-fill:] != bytes([fill]) * fill:
        raise ValueError("Given final block not properly padded")
    return data[:-fill]


def _cbc_encrypt(data: bytes, keys: np.ndarray, iv: bytes) -> bytes:
    previous = np.frombuffer(iv, dtype=np.uint8)[None, :]
    out = []
    for block in _blocks(_pad(data)):  # each block chains on the one before
        previous = _encrypt_blocks(block[None, :] ^ previous, keys)
        out.append(previous.tobytes())
    return iv + b"".join(out)


def _cbc_decrypt(data: bytes, keys: np.ndarray) -> bytes:
    iv, body = data[:16], data[16:]
    if len(iv) < 16 or not body or len(body) % 16:
        raise ValueError("Input length must be a multiple of 16 when decrypting")
    blocks = _blocks(body)
    chain = np.vstack([np.frombuffer(iv, dtype=np.uint8)[None, :], blocks[:-1]])
    return _unpad((_decrypt_blocks(blocks, keys) ^ chain).tobytes())


def _ghash(h: int, aad: bytes, cipher: bytes) -> int:
    """GCM's GHASH of the AAD and ciphertext (each zero-padded) and their bit lengths."""
    def blocks(data: bytes) -> list[int]:
        padded = data + bytes(-len(data) % 16)
        return [int.from_bytes(padded[i:i + 16], "big") for i in range(0, len(padded), 16)]

    lengths = ((8 * len(aad)) << 64) | (8 * len(cipher))
    x = 0
    for block in blocks(aad) + blocks(cipher) + [lengths]:
        x = _gcm_multiply(x ^ block, h)
    return x


def _gcm_multiply(x: int, y: int) -> int:
    """Product in GF(2^128) with GCM's bit order (SP 800-38D, algorithm 1)."""
    z, v = 0, y
    for i in range(127, -1, -1):
        if (x >> i) & 1:
            z ^= v
        v = (v >> 1) ^ (0xE1 << 120) if v & 1 else v >> 1
    return z


def _gcm_keystream(keys: np.ndarray, iv: bytes, length: int) -> tuple[bytes, bytes]:
    """(the CTR keystream for ``length`` bytes, E(K, J0) that masks the tag)."""
    j0 = int.from_bytes(iv + b"\x00\x00\x00\x01", "big")
    count = (length + 15) // 16
    counters = [(j0 & ~0xFFFFFFFF) | ((j0 + i) & 0xFFFFFFFF) for i in range(count + 1)]
    blocks = np.frombuffer(b"".join(c.to_bytes(16, "big") for c in counters), dtype=np.uint8)
    stream = _encrypt_blocks(blocks.reshape(-1, 16), keys).tobytes()
    return stream[16:16 + length], stream[:16]


def _xor(a: bytes, b: bytes) -> bytes:
    return (np.frombuffer(a, np.uint8) ^ np.frombuffer(b, np.uint8)).tobytes()


def _gcm_encrypt(data: bytes, keys: np.ndarray, iv: bytes, aad: bytes) -> bytes:
    h = int.from_bytes(_encrypt_blocks(np.zeros((1, 16), np.uint8), keys).tobytes(), "big")
    stream, mask = _gcm_keystream(keys, iv, len(data))
    cipher = _xor(data, stream)
    tag = (_ghash(h, aad, cipher) ^ int.from_bytes(mask, "big")).to_bytes(16, "big")
    return iv + cipher + tag


def _gcm_decrypt(data: bytes, keys: np.ndarray, aad: bytes) -> bytes:
    if len(data) < 28:
        raise ValueError("Input too short")
    iv, cipher, tag = data[:12], data[12:-16], data[-16:]
    h = int.from_bytes(_encrypt_blocks(np.zeros((1, 16), np.uint8), keys).tobytes(), "big")
    stream, mask = _gcm_keystream(keys, iv, len(cipher))
    expected = (_ghash(h, aad, cipher) ^ int.from_bytes(mask, "big")).to_bytes(16, "big")
    if expected != tag:
        raise ValueError("Tag mismatch")
    return _xor(cipher, stream)


# ---- Spark's functions -----------------------------------------------------------------------

_PADDINGS = {"ECB": "PKCS", "CBC": "PKCS", "GCM": "NONE"}


def _mode_of(function: str, mode: str, padding: str) -> str:
    mode, padding = mode.upper(), padding.upper()
    if mode not in _PADDINGS or padding not in ("DEFAULT", _PADDINGS[mode]):
        raise SparkRuntimeException(
            "UNSUPPORTED_FEATURE.AES_MODE",
            f"The feature is not supported: AES-{mode} with the padding {padding} by the "
            f"`{function}` function.", {"mode": mode, "padding": padding,
                                        "functionName": f"`{function}`"}, "0A000")
    return mode


def _keys(function: str, key: bytes) -> np.ndarray:
    if len(key) not in (16, 24, 32):
        raise SparkRuntimeException(
            "INVALID_PARAMETER_VALUE.AES_KEY_LENGTH",
            f"The value of parameter(s) `key` in `{function}` is invalid: expects a binary value "
            f"with 16, 24 or 32 bytes, but got {len(key)} bytes.",
            {"parameter": "`key`", "functionName": f"`{function}`",
             "actualLength": str(len(key))}, "22023")
    return _round_keys(key)


def _unsupported(function: str, mode: str, what: str) -> SparkRuntimeException:
    sub, text = {"iv": ("AES_MODE_IV", "initialization vectors (IVs)"),
                 "aad": ("AES_MODE_AAD", "additional authenticate data (AAD)")}[what]
    return SparkRuntimeException(
        f"UNSUPPORTED_FEATURE.{sub}", f"The feature is not supported: `{function}` with "
        f"AES-{mode} does not support {text}.", {"mode": mode,
                                                 "functionName": f"`{function}`"}, "0A000")


def encrypt(data: bytes, key: bytes, mode: str, padding: str, iv: bytes | None,
            aad: bytes | None) -> bytes:
    """Spark's ``aes_encrypt`` of one value."""
    mode = _mode_of("aes_encrypt", mode, padding)
    keys = _keys("aes_encrypt", key)
    iv, aad = iv or b"", aad or b""
    if aad and mode != "GCM":
        raise _unsupported("aes_encrypt", mode, "aad")
    if mode == "ECB":
        if iv:
            raise _unsupported("aes_encrypt", mode, "iv")
        return _encrypt_blocks(_blocks(_pad(data)), keys).tobytes()
    size = 16 if mode == "CBC" else 12
    if iv and len(iv) != size:
        raise SparkRuntimeException(
            "INVALID_PARAMETER_VALUE.AES_IV_LENGTH",
            "The value of parameter(s) `iv` in `aes_encrypt` is invalid: supports 16-byte CBC "
            f"IVs and 12-byte GCM IVs, but got {len(iv)} bytes for {mode}.",
            {"parameter": "`iv`", "functionName": "`aes_encrypt`", "mode": mode,
             "actualLength": str(len(iv))}, "22023")
    iv = iv or os.urandom(size)  # Spark draws a random IV when none is given
    return _cbc_encrypt(data, keys, iv) if mode == "CBC" else _gcm_encrypt(data, keys, iv, aad)


def decrypt(data: bytes, key: bytes, mode: str, padding: str, aad: bytes | None) -> bytes:
    """Spark's ``aes_decrypt`` of one value."""
    mode = _mode_of("aes_decrypt", mode, padding)
    keys = _keys("aes_decrypt", key)
    aad = aad or b""
    if aad and mode != "GCM":
        raise _unsupported("aes_decrypt", mode, "aad")
    try:
        if mode == "ECB":
            if not data or len(data) % 16:
                raise ValueError("Input length must be a multiple of 16 when decrypting")
            return _unpad(_decrypt_blocks(_blocks(data), keys).tobytes())
        return _cbc_decrypt(data, keys) if mode == "CBC" else _gcm_decrypt(data, keys, aad)
    except ValueError as error:
        raise SparkRuntimeException(
            "INVALID_PARAMETER_VALUE.AES_CRYPTO_ERROR",
            "The value of parameter(s) `expr`, `key` in `aes_decrypt` is invalid: detail "
            f"message: {error}", {"parameter": "`expr`, `key`", "functionName": "`aes_decrypt`",
                                  "detailMessage": str(error)}, "22023") from None


def _defaults(function: str, kinds: list[str], defaults: list[Any]) -> Callable[[list], list]:
    """Spark fills the optional arguments in (GCM, DEFAULT, empty IV/AAD) and names them."""
    def coerce(args: list) -> list:
        full = list(args) + [E.Literal(v, StringType()) for v in defaults[len(args) - 2:]]
        return [implicit_cast(a, k, i, function) for i, (a, k) in enumerate(zip(full, kinds))]
    return coerce


_ENCRYPT_KINDS = ["binary", "binary", "string", "string", "binary", "binary"]
_DECRYPT_KINDS = ["binary", "binary", "string", "string", "binary"]


@scalar("aes_encrypt", _ENCRYPT_KINDS, BinaryType(), min_args=2, deterministic=False,
        coerce_args=_defaults("aes_encrypt", _ENCRYPT_KINDS, ["GCM", "DEFAULT", "", ""]))
def aes_encrypt(data: Any, key: Any, mode: Any, padding: Any, iv: Any, aad: Any) -> Any:
    """The AES encryption of ``data`` (binary), Spark's layout."""
    return rowwise(lambda d, k, m, p, v, a: encrypt(d, k, m, p, v, a), pa.binary(),
                   data, key, mode, padding, iv, aad)


def _decrypt_function(name: str, tolerant: bool) -> None:
    def run(data: Any, key: Any, mode: Any, padding: Any, aad: Any) -> Any:
        def one(d: bytes, k: bytes, m: str, p: str, a: bytes) -> bytes | None:
            try:
                return decrypt(d, k, m, p, a)
            except SparkRuntimeException:
                if tolerant:
                    return None
                raise
        return rowwise(one, pa.binary(), data, key, mode, padding, aad)

    scalar(name, _DECRYPT_KINDS, BinaryType(), min_args=2, always_nullable=tolerant,
           coerce_args=_defaults(name, _DECRYPT_KINDS, ["GCM", "DEFAULT", ""]))(run)


_decrypt_function("aes_decrypt", tolerant=False)
_decrypt_function("try_aes_decrypt", tolerant=True)
