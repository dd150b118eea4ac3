package testgen

import (
	"archive/tar"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// The images behind testdata/synth. Their expected merged filesystems are written by hand in
// testdata/synth/*.expected.json; README.md there explains each case. Changing an entry here
// means re-deriving those files by hand.

// gnuImport marks layer-0 entries of the whiteouts image: a `docker import`-style GNU tar with
// "./" names and Docker <= 23 modes carrying file-type bits.
func gnuImport(e Entry) Entry { e.Format = tar.FormatGNU; return e }

func imp(name string, typ byte, mode int64) Entry {
	return gnuImport(Entry{Name: name, Type: typ, Mode: mode})
}

func impFile(name string, mode int64, content string) Entry {
	return gnuImport(Entry{Name: name, Type: tar.TypeReg, Mode: mode, Content: []byte(content)})
}

func withMode(e Entry, mode int64) Entry { e.Mode = mode; return e }

func withOwner(e Entry, uid, gid int) Entry { e.UID, e.GID = uid, gid; return e }

// WhiteoutsLayers are the three layers of the whiteouts fixture.
func WhiteoutsLayers() []Layer {
	const dir, reg = tar.TypeDir, tar.TypeReg
	l0 := []Entry{
		imp("./", dir, 0o40755),
		imp("./bin/", dir, 0o40755),
		gnuImport(Entry{Name: "./bin/sh", Type: reg, Mode: 0o100755, Size: 1000}),
		gnuImport(Entry{Name: "./bin/su", Type: reg, Mode: 0o104755, Size: 500}),
		imp("./data/", dir, 0o40755),
		impFile("./data/target.txt", 0o100644, "target\n"),
		imp("./dev/", dir, 0o40755),
		gnuImport(Entry{Name: "./dev/null", Type: tar.TypeChar, Mode: 0o20666, Devmajor: 1, Devminor: 3}),
		imp("./etc/", dir, 0o40755),
		impFile("./etc/motd", 0o100644, "welcome v0\n"),
		impFile("./etc/passwd", 0o100644, "root:x:0:0:root:/root:/bin/sh\n"),
		withOwner(impFile("./etc/shadow", 0o100640, "root:*:19000:0:99999:7:::\n"), 0, 42),
		imp("./lib/", dir, 0o40755),
		imp("./lib/mod/", dir, 0o40755),
		impFile("./lib/mod/a.so", 0o100644, "a.so\n"),
		imp("./opt/", dir, 0o40755),
		imp("./opt/app/", dir, 0o40755),
		imp("./opt/app/keep/", dir, 0o40755),
		impFile("./opt/app/keep/k.txt", 0o100644, "keep\n"),
		impFile("./opt/app/old1.txt", 0o100644, "old1\n"),
		impFile("./opt/app/old2.txt", 0o100644, "old2\n"),
		imp("./srv/", dir, 0o40755),
		imp("./srv/data/", dir, 0o40755),
		impFile("./srv/data/old.txt", 0o100644, "old\n"),
		imp("./srv/data/olddir/", dir, 0o40755),
		impFile("./srv/data/olddir/x.txt", 0o100644, "x\n"),
		imp("./tmp/", dir, 0o41777),
		imp("./usr/", dir, 0o40755),
		imp("./usr/share/", dir, 0o40755),
		imp("./usr/share/doc/", dir, 0o40755),
		impFile("./usr/share/doc/a.txt", 0o100644, "a\n"),
		impFile("./usr/share/doc/b.txt", 0o100644, "bb\n"),
		imp("./usr/share/doc/sub/", dir, 0o40755),
		impFile("./usr/share/doc/sub/c.txt", 0o100644, "ccc\n"),
		imp("./var/", dir, 0o40755),
		imp("./var/cache/", dir, 0o40755),
		impFile("./var/cache/c1", 0o100644, "c1\n"),
		imp("./var/cache/sub/", dir, 0o40755),
		impFile("./var/cache/sub/c2", 0o100644, "c2\n"),
		imp("./var/lib/", dir, 0o40755),
		impFile("./var/lib/thing", 0o100644, "thing-file\n"),
	}
	l1 := []Entry{
		Dir("etc/"),
		File("etc/motd", "welcome v1\n"),
		Whiteout("etc/shadow"),
		withMode(File("etc/hostname", "first\n"), 0o600),
		File("etc/hostname", "second-wins\n"),
		File("/etc/abs.conf", "abs=1\n"),
		Hardlink("etc/passwd-hl", "/etc/passwd"),
		Symlink("etc/mtab", "/proc/mounts"),
		withMode(Hardlink("bin/sh-link", "bin/sh"), 0o755),
		Symlink("bin/bash", "sh"),
		Dir("usr/share/"),
		Whiteout("usr/share/doc"),
		Whiteout("lib/mod"),
		withMode(Dir("opt/app/"), 0o750),
		File("opt/app/new.txt", "new\n"),
		Dir("opt/app/newdir/"),
		File("opt/app/newdir/n.txt", "n\n"),
		Opaque("opt/app"),
		Whiteout("srv/data"),
		Dir("srv/data/"),
		File("srv/data/new.txt", "fresh\n"),
		Dir("var/lib/thing/"),
		File("var/lib/thing/inner.txt", "inner\n"),
		File("var/cache/sub", "now-a-file\n"),
		Hardlink("data/alias", "data/target.txt"),
	}
	l2 := []Entry{
		Dir("."),
		withMode(File(".wh..wh.aufs", ""), 0o444),
		withMode(Dir(".wh..wh.orph/"), 0o700),
		withMode(Dir(".wh..wh.plnk/"), 0o700),
		File(".wh..wh.plnk/123.456", "plnk\n"),
		File("etc/motd", "welcome v2\n"),
		withOwner(withMode(File("etc/shadow", "root:!:19500:0:99999:7:::\n"), 0o640), 0, 42),
		Whiteout("data/target.txt"),
		withOwner(Dir("home"), 1000, 1000),
		withOwner(File("home/readme", "hello\n"), 1000, 1000),
		Dir("lib/mod/"),
		File("lib/mod/b.so", "b.so\n"),
		Dir("run/"),
		{Name: "run/ctl", Type: tar.TypeFifo, Mode: 0o600},
		File("tmp/scratch.txt", "scratch\n"),
		Whiteout("tmp/scratch.txt"),
		Whiteout("tmp/never-existed"),
	}
	return []Layer{
		{Entries: l0, CreatedBy: "ADD rootfs.tar / # docker import style: GNU tar, ./ names, Docker <= 23 modes"},
		{Entries: l1, CreatedBy: "RUN /bin/sh -c 'edit everything' # whiteouts, opaque, replacements, links"},
		{Entries: l2, CreatedBy: "RUN /bin/sh -c 'more edits' # AUFS metadata, bare ., re-adds, fifo"},
	}
}

// Whiteouts is the whiteouts fixture image (testdata/synth/whiteouts.tar), tagged whiteouts:1.
func Whiteouts() Image {
	return Image{
		Layers:  WhiteoutsLayers(),
		Config:  v1.Config{Env: []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin"}, Cmd: []string{"/bin/sh"}},
		Created: time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC),
		Tags:    []string{"whiteouts:1"},
	}
}

// SmallLayers are the three layers of the small image for arch ("amd64" or "arm64"): the
// binaries' content differs per arch, everything else is the same.
func SmallLayers(arch string) []Layer {
	l0 := []Entry{
		Dir("bin/"),
		{Name: "bin/busybox", Type: tar.TypeReg, Mode: 0o755, Size: 4096, Seed: "busybox-" + arch},
		Symlink("bin/sh", "/bin/busybox"),
		Dir("etc/"),
		File("etc/os-release", "NAME=\"Testgen Linux\"\nVERSION_ID=1.0\n"),
		File("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"),
		withMode(Dir("tmp/"), 0o1777),
		Dir("usr/"),
	}
	l1 := []Entry{
		Dir("etc/"),
		File("etc/app.conf", "listen=:8080\n"),
		File("etc/passwd", "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n"),
		Dir("home/"),
		withOwner(withMode(Dir("home/app/"), 0o700), 1000, 1000),
		withOwner(Dir("srv/"), 1000, 1000),
		Dir("usr/bin/"),
		{Name: "usr/bin/app", Type: tar.TypeReg, Mode: 0o755, Size: 2048, Seed: "app-" + arch},
	}
	l2 := []Entry{
		Dir("etc/"),
		Whiteout("etc/app.conf"),
		File("etc/motd", "hello from testgen\n"),
	}
	return []Layer{{Entries: l0}, {Entries: l1}, {Entries: l2}}
}

func v1Config(env, cmd []string) v1.Config { return v1.Config{Env: env, Cmd: cmd} }

func day(d, h int) v1.Time { return v1.Time{Time: time.Date(2024, 1, d, h, 0, 0, 0, time.UTC)} }

// Small is the small three-layer image behind docker25.tar, containerd.tar, oci.tar,
// oci-layout/, skopeo.tar and rootfs.tar: tags app:1 and app:latest, a full config and a history
// whose empty-layer rows interleave with the layer rows.
func Small(arch string) Image {
	img := Image{
		Layers:       SmallLayers(arch),
		Architecture: arch,
		Created:      time.Date(2024, 1, 3, 9, 0, 0, 0, time.UTC),
		Tags:         []string{"app:1", "app:latest"},
		Config: v1.Config{
			User:         "app",
			Env:          []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "APP_MODE=prod"},
			Cmd:          []string{"/usr/bin/app", "--serve"},
			WorkingDir:   "/srv",
			ExposedPorts: map[string]struct{}{"8080/tcp": {}},
			Volumes:      map[string]struct{}{"/data": {}},
			Labels:       map[string]string{"org.opencontainers.image.title": "app", "org.opencontainers.image.version": "1"},
			StopSignal:   "SIGTERM",
		},
		History: []v1.History{
			{Created: day(1, 0), CreatedBy: "/bin/sh -c #(nop) ADD file:testgen-minirootfs.tar in / "},
			{Created: day(1, 0), CreatedBy: `/bin/sh -c #(nop)  CMD ["/bin/sh"]`, EmptyLayer: true},
			{Created: day(2, 8), CreatedBy: "RUN /bin/sh -c adduser -D app && install-app # buildkit", Comment: "buildkit.dockerfile.v0"},
			{Created: day(2, 8), CreatedBy: "ENV APP_MODE=prod", Comment: "buildkit.dockerfile.v0", EmptyLayer: true},
			{Created: day(2, 8), CreatedBy: "EXPOSE map[8080/tcp:{}]", Comment: "buildkit.dockerfile.v0", EmptyLayer: true},
			{Created: day(3, 9), CreatedBy: "RUN /bin/sh -c rm /etc/app.conf && echo 'hello from testgen' > /etc/motd # buildkit", Comment: "buildkit.dockerfile.v0"},
			{Created: day(3, 9), CreatedBy: "VOLUME [/data]", Comment: "buildkit.dockerfile.v0", EmptyLayer: true},
			{Created: day(3, 9), CreatedBy: "WORKDIR /srv", Comment: "buildkit.dockerfile.v0", EmptyLayer: true},
			{Created: day(3, 9), CreatedBy: "USER app", Comment: "buildkit.dockerfile.v0", EmptyLayer: true},
			{Created: day(3, 9), CreatedBy: `CMD ["/usr/bin/app" "--serve"]`, Comment: "buildkit.dockerfile.v0", EmptyLayer: true},
		},
	}
	if arch == "arm64" {
		img.Variant = "v8"
	}
	return img
}

// SmallIndex is the containerd-store form of the small image (containerd.tar): linux/amd64
// (layers gzip, gzip, zstd), linux/arm64/v8 (layers gzip), an attestation manifest for each,
// and linux/arm/v7 listed in the index but absent from the archive.
func SmallIndex() Index {
	amd := Small("amd64")
	amd.Layers[0].Compression = Gzip
	amd.Layers[1].Compression = Gzip
	amd.Layers[2].Compression = Zstd
	arm := Small("arm64")
	for i := range arm.Layers {
		arm.Layers[i].Compression = Gzip
	}
	return Index{
		Tags:         []string{"app:1", "app:latest"},
		Images:       []Image{amd, arm},
		Attestations: true,
		Absent:       []v1.Platform{Platform("linux", "arm", "v7")},
	}
}

// SmallExport is what `docker export` gives for a container of Small("amd64") that wrote
// /srv/state.db and had a volume at /data: the merged image plus Docker's init entries, no
// whiteouts, no "./" root entry, relative names, walk order.
func SmallExport() []Entry {
	ct := time.Date(2024, 2, 1, 10, 0, 0, 0, time.UTC)  // container creation
	wt := time.Date(2024, 2, 1, 10, 5, 30, 0, time.UTC) // container writes
	at := func(e Entry, t time.Time) Entry { e.ModTime = t; return e }
	empty := func(name string) Entry {
		return Entry{Name: name, Type: tar.TypeReg, Mode: 0o755, Content: []byte{}, ModTime: ct}
	}
	small := SmallLayers("amd64")
	busybox := small[0].Entries[1]
	app := small[1].Entries[7]
	passwd := small[1].Entries[2]
	return []Entry{
		empty(".dockerenv"),
		Dir("bin/"),
		busybox,
		Symlink("bin/sh", "/bin/busybox"),
		at(Dir("data/"), ct),
		at(Dir("dev/"), ct),
		empty("dev/console"),
		at(Dir("dev/pts/"), ct),
		at(Dir("dev/shm/"), ct),
		Dir("etc/"),
		empty("etc/hostname"),
		empty("etc/hosts"),
		File("etc/motd", "hello from testgen\n"),
		at(Symlink("etc/mtab", "/proc/mounts"), ct),
		File("etc/os-release", "NAME=\"Testgen Linux\"\nVERSION_ID=1.0\n"),
		passwd,
		empty("etc/resolv.conf"),
		Dir("home/"),
		withOwner(withMode(Dir("home/app/"), 0o700), 1000, 1000),
		at(Dir("proc/"), ct),
		at(withOwner(Dir("srv/"), 1000, 1000), wt),
		at(withOwner(File("srv/state.db", "state=1\n"), 1000, 1000), wt),
		at(Dir("sys/"), ct),
		withMode(Dir("tmp/"), 0o1777),
		Dir("usr/"),
		Dir("usr/bin/"),
		app,
	}
}
