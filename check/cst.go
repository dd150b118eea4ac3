package check

import (
	"fmt"
	"strings"
)

// CST is a container-structure-test file (schemaVersion 2.0.0). File existence, file
// content and metadata tests are evaluated from the archive; command and license tests need
// a running container and are reported as skipped, never as passed.
type CST struct {
	SchemaVersion       string             `yaml:"schemaVersion"`
	GlobalEnvVars       []cstEnv           `yaml:"globalEnvVars"`
	CommandTests        []map[string]any   `yaml:"commandTests"`
	FileExistenceTests  []cstFileExistence `yaml:"fileExistenceTests"`
	FileContentTests    []cstFileContent   `yaml:"fileContentTests"`
	MetadataTest        *cstMetadata       `yaml:"metadataTest"`
	LicenseTests        []map[string]any   `yaml:"licenseTests"`
	ContainerRunOptions map[string]any     `yaml:"containerRunOptions"`

	file  string
	where map[string]Location
}

type cstEnv struct {
	Key     string `yaml:"key"`
	Value   string `yaml:"value"`
	IsRegex bool   `yaml:"isRegex"`
}

type cstFileExistence struct {
	Name           string `yaml:"name"`
	Path           string `yaml:"path"`
	ShouldExist    *bool  `yaml:"shouldExist"`
	Permissions    string `yaml:"permissions"`
	UID            *int   `yaml:"uid"`
	GID            *int   `yaml:"gid"`
	IsExecutableBy string `yaml:"isExecutableBy"`
}

type cstFileContent struct {
	Name             string   `yaml:"name"`
	Path             string   `yaml:"path"`
	ExpectedContents []Regexp `yaml:"expectedContents"`
	ExcludedContents []Regexp `yaml:"excludedContents"`
}

// cstMetadata is metadataTest as container-structure-test 1.22 documents it (README,
// pkg/types/v2/metadata.go): envVars, unboundEnvVars, labels, entrypoint, cmd,
// exposedPorts, unexposedPorts, volumes, unmountedVolumes, workdir, user. env and
// unboundEnv are the names CST used before it renamed them (PR #314, 2022; its own older
// testdata still has them): read too, but not both spellings at once.
type cstMetadata struct {
	EnvVars          []cstEnv  `yaml:"envVars"`
	UnboundEnvVars   []cstEnv  `yaml:"unboundEnvVars"`
	Env              []cstEnv  `yaml:"env"`
	UnboundEnv       []cstEnv  `yaml:"unboundEnv"`
	ExposedPorts     []string  `yaml:"exposedPorts"`
	UnexposedPorts   []string  `yaml:"unexposedPorts"`
	Entrypoint       *[]string `yaml:"entrypoint"`
	Cmd              *[]string `yaml:"cmd"`
	Workdir          string    `yaml:"workdir"`
	Volumes          []string  `yaml:"volumes"`
	UnmountedVolumes []string  `yaml:"unmountedVolumes"`
	Labels           []cstEnv  `yaml:"labels"`
	User             string    `yaml:"user"`
}

// ParseCST reads a container-structure-test file.
func ParseCST(data []byte, name string, lim Limits) (*CST, error) {
	c := &CST{file: name, where: map[string]Location{}}
	if err := decodeStrict(data, name, c, c.where, lim); err != nil {
		return nil, err
	}
	bad := func(key, format string, args ...any) error {
		l := c.where[key]
		return &RulesError{File: name, Line: l.Line, Column: l.Column, Key: key, Msg: fmt.Sprintf(format, args...)}
	}
	if c.SchemaVersion != "2.0.0" {
		return nil, bad("schemaVersion", "schemaVersion %q: strata reads container-structure-test schemaVersion 2.0.0", c.SchemaVersion)
	}
	for i, t := range c.FileExistenceTests {
		key := fmt.Sprintf("fileExistenceTests[%d]", i)
		if t.Name == "" || t.Path == "" {
			return nil, bad(key, "every test needs a name and a path")
		}
		if t.Permissions != "" && !validPermissions(t.Permissions) {
			return nil, bad(key+".permissions", "%q is not a permission string (-rwxr-xr-x)", t.Permissions)
		}
		switch t.IsExecutableBy {
		case "", "owner", "group", "other", "any":
		default:
			return nil, bad(key+".isExecutableBy", "want owner, group, other or any, got %q", t.IsExecutableBy)
		}
	}
	for i, t := range c.FileContentTests {
		if t.Name == "" || t.Path == "" {
			return nil, bad(fmt.Sprintf("fileContentTests[%d]", i), "every test needs a name and a path")
		}
	}
	if m := c.MetadataTest; m != nil {
		if m.Env != nil && m.EnvVars != nil {
			return nil, bad("metadataTest.env", "give envVars (container-structure-test's name) or env (its older one), not both")
		}
		if m.UnboundEnv != nil && m.UnboundEnvVars != nil {
			return nil, bad("metadataTest.unboundEnv", "give unboundEnvVars (container-structure-test's name) or unboundEnv (its older one), not both")
		}
		m.EnvVars = append(m.EnvVars, m.Env...)
		m.UnboundEnvVars = append(m.UnboundEnvVars, m.UnboundEnv...)
		for i, e := range m.EnvVars {
			if e.Key == "" {
				return nil, bad("metadataTest", "envVars[%d]: the key is empty", i)
			}
		}
		for i, e := range m.Labels {
			if e.Key == "" {
				return nil, bad("metadataTest", "labels[%d]: the key is empty", i)
			}
		}
		for _, p := range append(append([]string{}, m.ExposedPorts...), m.UnexposedPorts...) {
			if _, err := parseCSTPort(p); err != nil {
				return nil, bad("metadataTest", "%v", err)
			}
		}
	}
	return c, nil
}

// parseCSTPort reads a port as container-structure-test writes it: "8080" matches the port
// under any protocol (as CST compares numbers only); "8080/udp" that protocol alone.
func parseCSTPort(s string) (Port, error) {
	p, err := ParsePort(s)
	if err == nil && !strings.Contains(s, "/") {
		p.Proto = ""
	}
	return p, err
}

// cstCase is one CST test as strata evaluates it.
type cstCase struct {
	key, name string
	file      *FileAssertion
	config    *ConfigAssertion
	skip      string // why it cannot be evaluated from an archive
}

// cases turns the tests into strata assertions, in the order CST runs them.
func (c *CST) cases() []cstCase {
	var out []cstCase
	for i, t := range c.CommandTests {
		name, _ := t["name"].(string)
		out = append(out, cstCase{key: fmt.Sprintf("commandTests[%d]", i), name: "Command Test: " + name,
			skip: "command tests run the image; strata reads archives without a runtime"})
	}
	for i, t := range c.FileExistenceTests {
		exists := t.ShouldExist == nil || *t.ShouldExist
		f := &FileAssertion{Name: t.Name, Path: t.Path, Exists: &exists, Permissions: t.Permissions, UID: t.UID, GID: t.GID, ExecutableBy: t.IsExecutableBy}
		if t.UID != nil && *t.UID == -1 {
			f.UID = nil
		}
		if t.GID != nil && *t.GID == -1 {
			f.GID = nil
		}
		out = append(out, cstCase{key: fmt.Sprintf("fileExistenceTests[%d]", i), name: "File Existence Test: " + t.Name, file: f})
	}
	for i, t := range c.FileContentTests {
		out = append(out, cstCase{key: fmt.Sprintf("fileContentTests[%d]", i), name: "File Content Test: " + t.Name,
			file: &FileAssertion{Name: t.Name, Path: t.Path, Contains: t.ExpectedContents, Excludes: t.ExcludedContents}})
	}
	for i := range c.LicenseTests {
		out = append(out, cstCase{key: fmt.Sprintf("licenseTests[%d]", i), name: "License Test",
			skip: "license tests are not evaluated by strata"})
	}
	if m := c.MetadataTest; m != nil {
		a := &ConfigAssertion{Entrypoint: m.Entrypoint, Cmd: m.Cmd, Volumes: m.Volumes, UnmountedVolumes: m.UnmountedVolumes}
		if m.Workdir != "" {
			a.Workdir = &m.Workdir
		}
		if m.User != "" {
			a.User = &m.User
		}
		for _, e := range m.EnvVars {
			a.Env = append(a.Env, KeyValue{Key: e.Key, Value: e.Value, Regex: e.IsRegex})
		}
		for _, e := range m.UnboundEnvVars {
			a.AbsentEnv = append(a.AbsentEnv, e.Key)
		}
		for _, l := range m.Labels {
			a.Labels = append(a.Labels, KeyValue{Key: l.Key, Value: l.Value, Regex: l.IsRegex})
		}
		for _, p := range m.ExposedPorts {
			q, _ := parseCSTPort(p)
			a.ExposedPorts = append(a.ExposedPorts, q)
		}
		for _, p := range m.UnexposedPorts {
			q, _ := parseCSTPort(p)
			a.UnexposedPorts = append(a.UnexposedPorts, q)
		}
		out = append(out, cstCase{key: "metadataTest", name: "Metadata Test", config: a})
	}
	return out
}
