"""fsimage files and checkpointing (the Secondary NameNode's role).

An image ``fsimage_<txid>`` (19-digit txid) holds the whole namespace as of
that transaction, with an MD5 sidecar ``fsimage_<txid>.md5`` as Hadoop keeps.
Images are written to a temporary name, fsynced, then renamed, so a crash
never leaves a half image under a real name.  A checkpoint merges the newest
image with the finalized edit segments after it into a new image, in a fresh
namespace object (never touching the live one), then keeps only the newest
``images_retained`` images and the edits they still need.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

from .editlog import fsync_dir, list_segments, read_ops
from .errors import HdfsIOException
from .namespace import Namespace

_IMAGE = re.compile(r"^fsimage_(\d{19})$")


def image_path(name_dir: Path, txid: int) -> Path:
    """Path of the image as of ``txid``."""
    return name_dir / f"fsimage_{txid:019d}"


def list_images(name_dir: Path) -> list[tuple[int, Path]]:
    """``(txid, path)`` of every complete image, newest first."""
    found = [(int(m.group(1)), p) for p in name_dir.iterdir() if (m := _IMAGE.match(p.name))]
    return sorted(found, reverse=True)


def save_image(name_dir: Path, namespace: Namespace, txid: int) -> Path:
    """Write the namespace as the image of ``txid`` (atomically, fsynced)."""
    data = json.dumps({"txid": txid, "namespace": namespace.to_image()},
                      separators=(",", ":")).encode()
    final = image_path(name_dir, txid)
    tmp = final.with_name(final.name + ".ckpt")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    md5 = final.with_name(final.name + ".md5")
    md5.write_text(f"{hashlib.md5(data).hexdigest()} *{final.name}\n")
    os.replace(tmp, final)
    fsync_dir(name_dir)
    return final


def load_image(path: Path) -> tuple[int, Namespace]:
    """Load one image, checking its MD5; returns ``(txid, namespace)``."""
    data = path.read_bytes()
    md5 = path.with_name(path.name + ".md5")
    if md5.exists() and md5.read_text().split()[0] != hashlib.md5(data).hexdigest():
        raise HdfsIOException(f"fsimage {path.name} fails its MD5 check")
    doc: dict[str, Any] = json.loads(data)
    return int(doc["txid"]), Namespace.from_image(doc["namespace"])


def load_newest(name_dir: Path) -> tuple[int, Namespace]:
    """The newest image that loads cleanly (falling back to older ones)."""
    errors = []
    for txid, path in list_images(name_dir):
        try:
            return load_image(path)
        except (OSError, ValueError, KeyError, HdfsIOException) as exc:
            errors.append(f"{path.name}: {exc}")
    raise HdfsIOException("no usable fsimage in " + str(name_dir) + "; " + "; ".join(errors)
                          if errors else f"NameNode not formatted: no fsimage in {name_dir}")


def load_namespace(name_dir: Path, upto_txid: int | None = None) -> tuple[int, Namespace]:
    """Newest image plus every edit after it (up to ``upto_txid``): ``(last txid, ns)``."""
    txid, namespace = load_newest(name_dir)
    for op in read_ops(name_dir, txid, upto_txid):
        namespace.apply(op)
        txid = op["txid"]
    return txid, namespace


def checkpoint(name_dir: Path, upto_txid: int, retain: int = 2) -> Path:
    """Merge the newest image with finalized edits up to ``upto_txid`` into a new image."""
    txid, namespace = load_namespace(name_dir, upto_txid)
    if txid != upto_txid:
        raise HdfsIOException(f"checkpoint expected edits up to txid {upto_txid}, found {txid}")
    path = save_image(name_dir, namespace, txid)
    purge(name_dir, retain)
    return path


def purge(name_dir: Path, retain: int) -> None:
    """Keep the newest ``retain`` images and the edit segments after the oldest kept."""
    images = list_images(name_dir)
    for txid, path in images[retain:]:
        path.unlink(missing_ok=True)
        path.with_name(path.name + ".md5").unlink(missing_ok=True)
    kept = images[:retain]
    if not kept:
        return
    oldest = kept[-1][0]
    for first, last, path in list_segments(name_dir):
        if last is not None and last <= oldest:
            path.unlink(missing_ok=True)
