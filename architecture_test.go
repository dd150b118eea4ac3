package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/strata-dev/strata/"

// packageFiles parses the non-test Go files of every package of the module (testgen aside:
// it writes fixtures), by directory.
func packageFiles(t *testing.T) map[string][]*ast.File {
	t.Helper()
	out := map[string][]*ast.File{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") && p != "." || p == filepath.Join("internal", "testgen")) {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		dir := filepath.ToSlash(filepath.Dir(p))
		out[dir] = append(out[dir], f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestLayering holds the packages to ARCHITECTURE.md's rules: what must never import what.
func TestLayering(t *testing.T) {
	analyses := []string{"inspect", "history", "files", "diff", "explore", "check", "baseline", "images",
		"packages", "packages/rpmdb", "packages/version"}
	views := []string{"internal/render", "internal/render/html", "internal/render/tui", "internal/render/sbom"}
	never := map[string][]string{
		"internal/load":     append(append([]string{"internal/analysis", "internal/cli"}, analyses...), views...),
		"internal/analysis": append([]string{"internal/cli"}, views...),
	}
	for _, a := range analyses {
		never[a] = append([]string{"internal/load", "internal/analysis", "internal/cli"}, views...)
	}
	for _, v := range views {
		never[v] = []string{"internal/load", "internal/fstree", "internal/analysis", "internal/cli"}
	}
	for dir, files := range packageFiles(t) {
		for _, f := range files {
			for _, imp := range f.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				pkg, ok := strings.CutPrefix(path, module)
				if !ok {
					continue
				}
				if pkg == "internal/cli" && dir != "." {
					t.Errorf("%s imports internal/cli: only main does", dir)
				}
				for _, bad := range never[dir] {
					if pkg == bad {
						t.Errorf("%s imports %s (ARCHITECTURE.md: never)", dir, bad)
					}
				}
			}
		}
	}
}

// TestNothingBelowCLIPrints: no package below internal/cli and main exits the process or
// writes to the standard streams; they return errors and structs.
func TestNothingBelowCLIPrints(t *testing.T) {
	banned := map[string]bool{"os.Exit": true, "os.Stdout": true, "os.Stderr": true, "fmt.Print": true,
		"fmt.Printf": true, "fmt.Println": true, "log.Print": true, "log.Printf": true, "log.Println": true,
		"log.Fatal": true, "log.Fatalf": true}
	for dir, files := range packageFiles(t) {
		if dir == "." || dir == "internal/cli" {
			continue
		}
		for _, f := range files {
			ast.Inspect(f, func(n ast.Node) bool {
				sel, ok := n.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				if x, ok := sel.X.(*ast.Ident); ok && banned[x.Name+"."+sel.Sel.Name] {
					t.Errorf("%s: %s uses %s.%s", dir, f.Name.Name, x.Name, sel.Sel.Name)
				}
				return true
			})
		}
	}
}
