package load

import "sync"

// blobCache parses each layer blob once, however many layers (or images) name it and however
// many workers ask at the same time.
type blobCache struct {
	mu sync.Mutex
	m  map[string]*cachedBlob
}

type cachedBlob struct {
	once sync.Once
	b    *blob
	err  error
}

func (c *blobCache) get(key string, parse func() (*blob, error)) (*blob, error) {
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]*cachedBlob{}
	}
	e, ok := c.m[key]
	if !ok {
		e = &cachedBlob{}
		c.m[key] = e
	}
	c.mu.Unlock()
	e.once.Do(func() { e.b, e.err = parse() })
	return e.b, e.err
}
