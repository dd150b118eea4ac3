package testgen

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
)

// OverlappingZip is a zip archive of n central-directory entries (lib/a00000.jar, …) that
// all name one local entry holding content, deflated: its size is about content's
// compressed size, and a reader that inflates it entry by entry inflates content n times
// (a jar bomb; n at most 65,535).
func OverlappingZip(content []byte, n int) []byte {
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	fw, err := w.CreateHeader(&zip.FileHeader{Name: "lib/a00000.jar", Method: zip.Deflate})
	if err != nil {
		panic(err) // a fixed name: never
	}
	fw.Write(content)
	w.Close()
	z := b.Bytes()
	eocd := z[len(z)-22:]
	dirOff := binary.LittleEndian.Uint32(eocd[16:])
	entry := z[dirOff : len(z)-22]
	out := append([]byte(nil), z[:dirOff]...)
	for i := range n {
		e := append([]byte(nil), entry...)
		copy(e[46:], fmt.Sprintf("lib/a%05d.jar", i))
		out = append(out, e...)
	}
	end := append([]byte(nil), eocd...)
	binary.LittleEndian.PutUint16(end[8:], uint16(n))
	binary.LittleEndian.PutUint16(end[10:], uint16(n))
	binary.LittleEndian.PutUint32(end[12:], uint32(n*len(entry)))
	return append(out, end...)
}
