"""fsck: block health under a path, as data (NameNode side) and as Hadoop's text.

The NameNode builds the report with :func:`build_report` while holding its
lock; :func:`format_report` prints it the way ``hdfs fsck`` does.
"""
from __future__ import annotations

from typing import Any

from .namespace import INode, INodeDirectory, INodeFile


def _block_entry(nn: Any, block: Any, expected: int) -> dict[str, Any]:
    live = nn.bm.live_locations(block.id)
    corrupt = len(nn.bm.corrupt.get(block.id, ()))
    racks = {d.rack for d in live}
    all_racks = {d.rack for d in nn.bm.alive_nodes()}
    return {"name": block.name(), "id": block.id, "length": block.num_bytes, "live": len(live),
            "expected": expected, "corrupt": corrupt,
            "mis_replicated": expected > 1 and len(all_racks) > 1 and len(racks) == 1 and len(live) > 1,
            "locations": [f"{d.host}:{d.port} ({d.id}, {d.rack})" for d in live]}


def build_report(nn: Any, node: INode, path: str) -> dict[str, Any]:
    """Walk ``node`` and count healthy, under-, over-, mis-replicated and missing blocks."""
    r: dict[str, Any] = {k: 0 for k in (
        "total_size", "total_dirs", "total_files", "total_blocks", "min_replicated",
        "over_replicated", "under_replicated", "mis_replicated", "missing_blocks",
        "corrupt_blocks", "missing_replicas", "replicas", "open_files")}
    r.update(path=path, datanodes=len(nn.bm.alive_nodes()), racks=len({d.rack for d in nn.bm.alive_nodes()}),
             default_replication=nn.config.replication, files=[])
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, INodeDirectory):
            r["total_dirs"] += 1
            stack.extend(item.children[k] for k in sorted(item.children, reverse=True))
        elif isinstance(item, INodeFile):
            _file(nn, item, r)
    r["status"] = "CORRUPT" if r["missing_blocks"] or r["corrupt_blocks"] else "HEALTHY"
    return r


def _file(nn: Any, f: INodeFile, r: dict[str, Any]) -> None:
    r["total_files"] += 1
    r["total_size"] += f.length()
    if f.under_construction:
        r["open_files"] += 1
    entry = {"path": f.path(), "length": f.length(), "replication": f.replication,
             "blocks": [], "problems": []}
    for block in f.blocks:
        if nn.bm.is_under_construction(block):
            continue
        b = _block_entry(nn, block, f.replication)
        entry["blocks"].append(b)
        r["total_blocks"] += 1
        r["replicas"] += b["live"]
        if b["live"] == 0:
            r["missing_blocks"] += 1
            if b["corrupt"]:
                r["corrupt_blocks"] += 1
            entry["problems"].append(f"CORRUPT blockpool BP-1 block {b['name']}" if b["corrupt"]
                                     else f"MISSING 1 blocks of total size {b['length']} B")
            continue
        if b["live"] >= nn.config.min_replication:
            r["min_replicated"] += 1
        if b["live"] < f.replication:
            r["under_replicated"] += 1
            r["missing_replicas"] += f.replication - b["live"]
            entry["problems"].append(
                f"Under replicated {b['name']}. Target Replicas is {f.replication} but found "
                f"{b['live']} live replica(s), 0 decommissioned replica(s), 0 decommissioning replica(s).")
        elif b["live"] > f.replication:
            r["over_replicated"] += 1
        if b["mis_replicated"]:
            r["mis_replicated"] += 1
            entry["problems"].append(f"Replica placement policy is violated for {b['name']}.")
    r["files"].append(entry)


def _pct(n: int, total: int) -> str:
    return f"{(100.0 * n / total) if total else 0.0:.1f} %"


def format_report(r: dict[str, Any], user: str, show_files: bool = False, show_blocks: bool = False,
                  show_locations: bool = False) -> str:
    """Hadoop-style ``fsck`` text."""
    lines = [f"FSCK started by {user} (auth:SIMPLE) for path {r['path']}"]
    for f in r["files"]:
        if show_files:
            lines.append(f"{f['path']} {f['length']} bytes, replicated: replication={f['replication']}, "
                         f"{len(f['blocks'])} block(s):  {'OK' if not f['problems'] else ''}".rstrip())
        for problem in f["problems"]:
            lines.append(f"{f['path']}: {problem}")
        if show_blocks:
            for i, b in enumerate(f["blocks"]):
                locs = f" [{', '.join(b['locations'])}]" if show_locations else ""
                lines.append(f"{i}. BP-1:{b['name']} len={b['length']} Live_repl={b['live']}{locs}")
    total = r["total_blocks"]
    avg = total and r["total_size"] / total
    lines += [
        "", f"Status: {r['status']}",
        f" Number of data-nodes:\t{r['datanodes']}",
        f" Number of racks:\t\t{r['racks']}",
        f" Total dirs:\t\t\t{r['total_dirs']}",
        " Total symlinks:\t\t0", "",
        "Replicated Blocks:",
        f" Total size:\t{r['total_size']} B",
        f" Total files:\t{r['total_files']}" + (f" (Files currently being written: {r['open_files']})" if r["open_files"] else ""),
        f" Total blocks (validated):\t{total} (avg. block size {int(avg)} B)",
        f" Minimally replicated blocks:\t{r['min_replicated']} ({_pct(r['min_replicated'], total)})",
        f" Over-replicated blocks:\t{r['over_replicated']} ({_pct(r['over_replicated'], total)})",
        f" Under-replicated blocks:\t{r['under_replicated']} ({_pct(r['under_replicated'], total)})",
        f" Mis-replicated blocks:\t\t{r['mis_replicated']} ({_pct(r['mis_replicated'], total)})",
        f" Default replication factor:\t{r['default_replication']}",
        f" Average block replication:\t{(r['replicas'] / total) if total else 0.0:.1f}",
        f" Missing blocks:\t\t{r['missing_blocks']}",
        f" Corrupt blocks:\t\t{r['corrupt_blocks']}",
        f" Missing replicas:\t\t{r['missing_replicas']} ({_pct(r['missing_replicas'], max(1, r['replicas'] + r['missing_replicas']) if total else 0)})",
        "", f"The filesystem under path '{r['path']}' is {r['status']}",
    ]
    return "\n".join(lines)
