package testgen

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"hash/crc64"
	"io"
)

// TarSplit writes the tar-split of a tar archive, as Docker's layerdb and containers/storage
// keep it (vbatts/tar-split's JSON lines, gzip'd): the raw bytes between file payloads as
// segments, each regular file's name, size and CRC-64 (ISO).
func TarSplit(tarball []byte) ([]byte, error) {
	type rec struct {
		Type     int    `json:"type"`
		Name     string `json:"name,omitempty"`
		Size     int64  `json:"size,omitempty"`
		Payload  []byte `json:"payload"`
		Position int    `json:"position"`
	}
	var out bytes.Buffer
	gz := gzip.NewWriter(&out)
	enc := json.NewEncoder(gz)
	pos := 0
	emit := func(r rec) error {
		r.Position = pos
		pos++
		return enc.Encode(r)
	}
	cr := &countReader{r: bytes.NewReader(tarball)}
	tr := tar.NewReader(cr)
	var last int64
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		start := cr.n
		if start > last {
			if err := emit(rec{Type: 2, Payload: tarball[last:start]}); err != nil {
				return nil, err
			}
		}
		last = start
		if hdr.Typeflag != tar.TypeReg {
			continue
		}
		body := tarball[start : start+hdr.Size]
		sum := make([]byte, 8)
		binary.BigEndian.PutUint64(sum, crc64.Checksum(body, crc64.MakeTable(crc64.ISO)))
		if err := emit(rec{Type: 1, Name: hdr.Name, Size: hdr.Size, Payload: sum}); err != nil {
			return nil, err
		}
		last = start + hdr.Size
	}
	if int64(len(tarball)) > last {
		if err := emit(rec{Type: 2, Payload: tarball[last:]}); err != nil {
			return nil, err
		}
	}
	if err := gz.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
