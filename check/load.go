package check

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/strata-dev/strata/internal/regfile"
)

// Discovered are the rule files looked for in the working directory, in order.
var Discovered = []string{".strata.yaml", ".dive-ci"}

// ErrNoRules means no rules were given and none were found.
var ErrNoRules = errors.New("no rules")

// ReadFile reads a rules file: a strata rules file, or a .dive-ci (a file whose only
// top-level key is rules:), its YAML bounded by lim.
func ReadFile(path string, lim Limits) (*Set, error) {
	data, err := readBounded(path)
	if err != nil {
		return nil, err
	}
	if isDive(data, lim) {
		return ParseDive(data, path, lim)
	}
	return ParseRules(data, path, lim)
}

// ReadCST reads a container-structure-test file, its YAML bounded by lim.
func ReadCST(path string, lim Limits) (*CST, error) {
	data, err := readBounded(path)
	if err != nil {
		return nil, err
	}
	return ParseCST(data, path, lim)
}

func readBounded(path string) ([]byte, error) {
	f, err := regfile.Open(path)
	if err != nil {
		return nil, &RulesError{File: path, Msg: errors.Unwrap(err).Error()}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxRulesFile+1))
	if err != nil {
		return nil, &RulesError{File: path, Msg: err.Error()}
	}
	return data, nil
}

// isDive reports whether a YAML document's only top-level key is rules (dive's format).
func isDive(data []byte, lim Limits) bool {
	f, err := parseYAML(data, "", lim)
	if err != nil || len(f.Docs) != 1 || f.Docs[0].Body == nil {
		return false
	}
	m, ok := asMapping(f.Docs[0].Body)
	if !ok || len(m.Values) == 0 {
		return false
	}
	for _, v := range m.Values {
		if !bytes.EqualFold([]byte(v.Key.GetToken().Value), []byte("rules")) {
			return false
		}
	}
	return true
}

// Discover returns the first of Discovered present in dir, or "" when there is none.
func Discover(dir string) (string, error) {
	for _, name := range Discovered {
		p := filepath.Join(dir, name)
		fi, err := os.Stat(p)
		if err == nil && !fi.IsDir() {
			return name, nil
		}
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("%s: %w", p, err)
		}
	}
	return "", nil
}
