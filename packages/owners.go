package packages

import (
	"path"
	"strings"

	"github.com/strata-dev/strata/internal/image"
)

// index builds the ownership index: for every path a package's file list names, which
// package names it over which layers. Lists come from the database itself (apk, rpm, a
// binary's or jar's own path), from files beside it (dpkg's info/*.list and status.d
// md5sums, a dist-info RECORD, an egg-info installed-files.txt), or are a directory (an
// npm package). Each path is entered as written (with dpkg's diversions applied) and as
// the final filesystem resolves its directories.
func (a *analysis) index() error {
	n := len(a.img.Layers)
	a.owners = map[string][]span{}
	a.finalList = map[int32][]string{}
	debByName := map[string][]int32{}
	for id, k := range a.keys {
		if rest, ok := strings.CutPrefix(k, "deb|"); ok {
			name, _, _ := strings.Cut(rest, ":")
			debByName[name] = append(debByName[name], int32(id))
		}
	}
	add := func(id int32, from, until int, list []string) error {
		if a.paths += len(list); a.paths > a.lim.MaxPaths {
			return limitErr("package-paths", int64(a.lim.MaxPaths), "file lists naming more than %d paths in all", a.lim.MaxPaths)
		}
		sp := span{key: id, from: int32(from), until: int32(until)}
		for _, p := range list {
			a.owners[p] = append(a.owners[p], sp)
			if c := a.res.canonical(p); c != p {
				a.owners[c] = append(a.owners[c], sp)
			}
		}
		if until == n {
			a.finalList[id] = append(a.finalList[id], list...)
		}
		return nil
	}
	for _, loc := range a.s.order {
		for _, v := range loc.versions {
			if !v.read || v.until <= v.layer {
				continue
			}
			switch loc.kind {
			case kDpkgList, kDpkgMD5:
				name, arch := listName(loc.path)
				if arch == "" {
					for _, id := range debByName[name] {
						if a.presentAt(id, v.layer) || a.presentAt(id, v.until-1) {
							arch = a.keys[id][len("deb|"+name+":"):]
							break
						}
					}
				}
				id, ok := a.keyID[debKey(name, arch)]
				if !ok {
					continue // a list of no package the database states
				}
				if err := add(id, v.layer, v.until, a.divert(v.list, name, v.layer)); err != nil {
					return err
				}
			case kPyRecord:
				meta, site := pyMetaDir(loc.path, kPyRecord)
				id, ok := a.keyID[pyKey(site, pyDirName(meta))]
				if !ok {
					continue
				}
				if err := add(id, v.layer, v.until, v.list); err != nil {
					return err
				}
			default:
				for _, p := range v.pkgs {
					id := a.keyID[p.key]
					switch {
					case p.prefix != "":
						if a.prefixes == nil {
							a.prefixes = map[string][]span{}
						}
						a.prefixes[p.prefix] = append(a.prefixes[p.prefix], span{key: id, from: int32(v.layer), until: int32(v.until)})
						if v.until == n {
							a.finalList[id] = nil
						}
					case p.hasFiles:
						if err := add(id, v.layer, v.until, p.files); err != nil {
							return err
						}
					}
				}
			}
		}
	}
	return nil
}

// divert applies the dpkg diversions in force after layer l to a package's list: a path
// another package diverted is where the diversion put it.
func (a *analysis) divert(list []string, pkg string, l int) []string {
	loc := a.s.locs["/var/lib/dpkg/diversions"]
	if loc == nil {
		return list
	}
	v := loc.at(l)
	if v == nil || len(v.divert) == 0 {
		return list
	}
	var out []string
	for i, p := range list {
		if d, ok := v.divert[p]; ok && d.by != pkg {
			if out == nil {
				out = append([]string(nil), list...)
			}
			out[i] = d.to
		}
	}
	if out == nil {
		return list
	}
	return out
}

// ownersAt calls fn for each package whose list names p after layer l.
func (a *analysis) ownersAt(p string, l int, fn func(id int32)) bool {
	found := false
	for _, s := range a.owners[p] {
		if int(s.from) <= l && l < int(s.until) {
			fn(s.key)
			found = true
		}
	}
	if a.prefixes != nil && strings.Contains(p, "/node_modules/") {
		for d := path.Dir(p); d != "/" && d != "."; d = path.Dir(d) {
			if ss, ok := a.prefixes[d]; ok {
				for _, s := range ss {
					if int(s.from) <= l && l < int(s.until) {
						fn(s.key)
						found = true
					}
				}
				if found {
					break
				}
			}
		}
	}
	return found
}

// account counts, for every regular file every layer ships, the bytes each owning package
// takes in that layer and those a later layer hides; and for each package of the final
// image, the bytes its list names there (each inode once).
func (a *analysis) account() {
	n := len(a.img.Layers)
	a.layerBytes = make([]map[int32]*LayerSize, n)
	a.layerOwned = make([]int64, n)
	a.layerOther = make([]int64, n)
	a.hiddenBytes = map[int32]*LayerSize{}
	for li, l := range a.img.Layers {
		a.layerBytes[li] = map[int32]*LayerSize{}
		for i := range l.Entries {
			e := &l.Entries[i]
			if e.Type != image.TypeFile || e.Whiteout != image.NotWhiteout {
				continue
			}
			owned := a.ownersAt(e.Path, li, func(id int32) {
				ls := a.layerBytes[li][id]
				if ls == nil {
					ls = &LayerSize{Layer: li}
					a.layerBytes[li][id] = ls
				}
				ls.Size += e.Size
				ls.Files++
			})
			if owned {
				a.layerOwned[li] += e.Size
			} else {
				a.layerOther[li] += e.Size
			}
		}
	}
	for _, h := range a.fs.Hidden {
		e := h.Entry
		if e.Type != image.TypeFile || e.Whiteout != image.NotWhiteout {
			continue
		}
		a.ownersAt(e.Path, h.Layer, func(id int32) {
			hs := a.hiddenBytes[id]
			if hs == nil {
				hs = &LayerSize{}
				a.hiddenBytes[id] = hs
			}
			hs.Size += e.Size
			hs.Files++
		})
	}
}

// finalSize is the bytes of the files a package's final list names, as the final
// filesystem shows them: regular files and hardlinks, each inode once. An npm package's
// list is its directory, nested node_modules aside.
func (a *analysis) finalSize(id int32, p *pkgInfo) (*int64, *int) {
	list, ok := a.finalList[id]
	if !ok {
		return nil, nil
	}
	seen := map[*image.Entry]bool{}
	var size int64
	if p.prefix != "" {
		if d := a.res.lookup(p.prefix); d != nil && d.IsDir() {
			stack := d.Children()
			for len(stack) > 0 {
				c := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				if c.IsDir() {
					if c.Name() != "node_modules" {
						stack = append(stack, c.Children()...)
					}
					continue
				}
				var e *image.Entry
				switch c.Entry.Type {
				case image.TypeFile:
					e = c.Entry
				case image.TypeHardlink:
					e = c.Target
				}
				if e != nil && !seen[e] {
					seen[e] = true
					size += e.Size
				}
			}
		}
	}
	for _, f := range list {
		if e := a.res.content(f); e != nil && !seen[e] {
			seen[e] = true
			size += e.Size
		}
	}
	files := len(seen)
	return &size, &files
}
