package load

import (
	"errors"
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// configCache reads and parses each distinct config member once, however many manifest
// entries or index descriptors name it.
type configCache struct {
	m map[string]*cachedConfig
}

type cachedConfig struct {
	cfg *v1.ConfigFile
	id  string
	raw []byte
	err error
}

// load returns the parsed config member name, its digest and its bytes. The error of a member that
// cannot be read is returned as is (the caller names the document that points at it); one
// that does not parse already names the member.
func (c *configCache) load(st store, name string, lim Limits) (*v1.ConfigFile, string, []byte, error) {
	key := memberName(name)
	if e, ok := c.m[key]; ok {
		return e.cfg, e.id, e.raw, e.err
	}
	e := &cachedConfig{}
	b, err := st.small(name, lim.MaxJSON)
	if err != nil {
		e.err = &readError{err}
	} else {
		ops.configs.Add(1)
		e.raw = b
		e.cfg, e.id, e.err = parseConfig(name, b)
	}
	if c.m == nil {
		c.m = map[string]*cachedConfig{}
	}
	c.m[key] = e
	return e.cfg, e.id, e.raw, e.err
}

// readError marks a config that could not be read (rather than parsed).
type readError struct{ err error }

func (e *readError) Error() string { return e.err.Error() }
func (e *readError) Unwrap() error { return e.err }

// configErr names the document whose config could not be read, as "DOC: WHAT: err"; a
// parse error already names the config member.
func configErr(doc, what string, err error) error {
	var re *readError
	if errors.As(err, &re) {
		return memberErr(doc, fmt.Errorf("%s: %w", what, re.err))
	}
	return err
}
