#!/usr/bin/env python3
"""oracle-layers.py SAVE.tar IMAGE0.json ... IMAGEn.json > truth.json

Joins what the images' own tools said (oracle-in-image.py, one JSON per image: image i is
the image after layer i) with the layer tars of `docker save` of the last image, and
computes, independently of strata:

- per layer: the dpkg and python packages of the image after that layer;
- per dpkg package of the last image: the bytes of its regular files there (its dpkg -L
  list resolved in the image, each inode once);
- per dpkg package (also removed ones), for each layer: the bytes of the regular-file
  entries of that layer tar that the package's list in the image after that layer names
  (resolved there), and of those the ones a later layer hides (the same path again, a
  whiteout of it or of a directory above it, an opaque marker above it, or a non-directory
  replacing a directory above it): "shipped but hidden";
- per python distribution of the last image: the bytes of its files (as importlib lists
  them) that are regular files there, each inode once.
Standard library only.
"""
import json
import sys
import tarfile


def norm(name):
    name = "/" + name.lstrip("./").lstrip("/")
    return name.rstrip("/") or "/"


def ancestors(p):
    out = []
    while p != "/":
        p = p.rsplit("/", 1)[0] or "/"
        out.append(p)
    return out


def main():
    save = tarfile.open(sys.argv[1])
    images = [json.load(open(f)) for f in sys.argv[2:]]
    manifest = json.load(save.extractfile("manifest.json"))[0]
    config = json.load(save.extractfile(manifest["Config"]))
    history = [h for h in config["history"] if not h.get("empty_layer")]
    layers = []
    for member in manifest["Layers"]:
        t = tarfile.open(fileobj=save.extractfile(member))
        L = {"files": [], "paths": set(), "deleted": set(), "opaque": set(), "nondir": set()}
        for m in t.getmembers():
            p = norm(m.name)
            base = p.rsplit("/", 1)[1]
            d = p.rsplit("/", 1)[0] or "/"
            if base == ".wh..wh..opq":
                L["opaque"].add(d)
                continue
            if base.startswith(".wh."):
                L["deleted"].add((d.rstrip("/") + "/" + base[4:]).replace("//", "/"))
                continue
            L["paths"].add(p)
            if not m.isdir():
                L["nondir"].add(p)
            if m.isreg():
                L["files"].append((p, m.size))
        layers.append(L)
    assert len(layers) == len(images), (len(layers), len(images))

    def hidden(i, p):
        anc = ancestors(p)
        for L in layers[i + 1:]:
            if p in L["paths"] or p in L["deleted"]:
                return True
            for a in anc:
                if a in L["deleted"] or a in L["opaque"] or a in L["nondir"]:
                    return True
        return False

    out = {"layers": [], "dpkg": {}, "python": []}
    for i, img in enumerate(images):
        out["layers"].append({
            "index": i,
            "created_by": history[i].get("created_by", ""),
            "dpkg": [{k: p[k] for k in ("status", "name", "architecture", "version", "installed_size_kib", "source", "source_version")} for p in img["dpkg"]],
            "python": [{k: d[k] for k in ("name", "version", "path", "license")} for d in img["python"]],
        })
        owners = {}
        for p in img["dpkg"]:
            key = p["name"] + ":" + p["architecture"]
            for f in p["files"]:
                owners.setdefault(f["path"], set()).add(key)
        for path, size in layers[i]["files"]:
            h = hidden(i, path)
            for key in owners.get(path, ()):
                r = out["dpkg"].setdefault(key, {"layers": {}, "hidden_size": 0, "hidden_files": 0})
                l = r["layers"].setdefault(str(i), {"size": 0, "files": 0})
                l["size"] += size
                l["files"] += 1
                if h:
                    r["hidden_size"] += size
                    r["hidden_files"] += 1
    last = images[-1]
    for p in last["dpkg"]:
        key = p["name"] + ":" + p["architecture"]
        seen = {}
        for f in p["files"]:
            if f["type"] == "file":
                seen[f["inode"]] = f["size"]
        r = out["dpkg"].setdefault(key, {"layers": {}, "hidden_size": 0, "hidden_files": 0})
        r.update(final=True, version=p["version"], size=sum(seen.values()), files=len(seen))
    for d in last["python"]:
        seen = {}
        for f in d["files"]:
            if f["type"] == "file":
                seen[f["inode"]] = f["size"]
        out["python"].append({"name": d["name"], "version": d["version"], "path": d["path"],
                              "size": sum(seen.values()), "files": len(seen), "listed": len(d["files"])})
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    print()


main()
