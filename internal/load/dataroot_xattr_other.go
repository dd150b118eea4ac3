//go:build !linux

package load

import "os"

// fileXattrs reads no extended attributes off Linux: overlay's exist only there.
func fileXattrs(*os.File) (map[string]string, error) { return nil, nil }

// devNumbers splits a device number as Linux encodes it.
func devNumbers(rdev uint64) (uint32, uint32) {
	return uint32((rdev>>8)&0xfff) | uint32((rdev>>32)&^0xfff), uint32(rdev&0xff) | uint32((rdev>>12)&^0xff)
}
