#!/usr/bin/env python3
"""oracle-in-image.py — run INSIDE each fixture image (docker run --network none IMAGE
python3 - < oracle-in-image.py): print, as JSON, what the image's own tools say:

- dpkg: every package dpkg-query -W lists (status, name, architecture, version,
  Installed-Size, source), and for each the files `dpkg-query -L` lists, each resolved as the
  kernel resolves it (directories' symlinks followed, the last component not; a path
  diverted by another package read at its divert-to path), with lstat's type, size and
  device:inode;
- python: every distribution importlib.metadata finds (name, version, its metadata
  directory), and its files as importlib lists them, resolved the same way.

Only the standard library; no network.
"""
import importlib.metadata as md
import json
import os
import stat
import subprocess
import sys


def resolve(path):
    d, b = os.path.split(path)
    return os.path.join(os.path.realpath(d), b)


def describe(path):
    real = resolve(path)
    try:
        st = os.lstat(real)
    except OSError:
        return {"path": real, "type": "missing"}
    kind = "file" if stat.S_ISREG(st.st_mode) else "dir" if stat.S_ISDIR(st.st_mode) else "symlink" if stat.S_ISLNK(st.st_mode) else "other"
    out = {"path": real, "type": kind}
    if kind == "file":
        out["size"] = st.st_size
        out["inode"] = f"{st.st_dev}:{st.st_ino}"
    return out


def dpkg():
    fmt = "${db:Status-Abbrev}\t${Package}\t${Architecture}\t${Version}\t${Installed-Size}\t${source:Package}\t${source:Version}\n"
    out = subprocess.run(["dpkg-query", "-W", "-f", fmt], capture_output=True, text=True, check=True).stdout
    pkgs = []
    for line in out.splitlines():
        st, name, arch, ver, isize, src, srcver = line.split("\t")
        p = {"status": st.strip(), "name": name, "architecture": arch, "version": ver,
             "installed_size_kib": int(isize) if isize else None, "source": src, "source_version": srcver, "files": []}
        if st[1] not in "nc":  # not-installed and config-files states have no files
            lst = subprocess.run(["dpkg-query", "-L", f"{name}:{arch}"], capture_output=True, text=True).stdout
            paths = []
            for l in lst.splitlines():
                if l.startswith("/"):
                    paths.append(l)
                elif l.startswith("diverted by ") and " to: " in l and paths:
                    paths[-1] = l.split(" to: ", 1)[1]
            p["files"] = [dict(describe(x), listed=x) for x in paths]
        pkgs.append(p)
    return pkgs


def python():
    dists = []
    for d in md.distributions():
        files = []
        for f in d.files or []:
            files.append(describe(str(f.locate())))
        dists.append({"name": d.metadata["Name"], "version": d.version, "path": str(getattr(d, "_path", "")),
                      "license": d.metadata.get("License") or "", "files": files})
    dists.sort(key=lambda x: (x["name"].lower(), x["path"]))
    return dists


json.dump({"dpkg": dpkg(), "python": python()}, sys.stdout, indent=1, sort_keys=True)
