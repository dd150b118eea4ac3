// Package units writes byte counts and counted nouns for people, one way in every table,
// message and report: decimal units as Docker writes them (go-units' HumanSize: "1.2kB",
// "661.8kB", "2.98MB"), and "1 change", "2 changes"; and reads the one count form every
// `--limit KEY=N` takes.
package units

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// maxLimit bounds what ParseLimit accepts: 1 PiB (2^50), room for every byte count strata
// could meet and far from overflowing an int64 however a caller scales it.
const maxLimit = 1 << 50

// ParseLimit reads a limit's value: a non-negative decimal count, or a size ending in k, M,
// G or T (powers of 1024: "64M" is 67,108,864), at most 1 PiB. What 0 means is the caller's.
func ParseLimit(v string) (int64, error) {
	mult := int64(1)
	if n := len(v); n > 0 {
		if i := strings.IndexByte("kMGT", v[n-1]); i >= 0 {
			mult = 1 << (10 * (i + 1))
			v = v[:n-1]
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 || n > maxLimit/mult {
		return 0, errors.New("not a count or size")
	}
	return n * mult, nil
}

// Count says "1 layer", "2 layers", "1 entry", "3 entries": n and the noun, plural unless
// n is 1 (nouns ending in a consonant and y take -ies).
func Count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	if strings.HasSuffix(noun, "y") && !strings.HasSuffix(noun, "ey") && !strings.HasSuffix(noun, "ay") {
		return fmt.Sprintf("%d %sies", n, noun[:len(noun)-1])
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// Size writes n bytes with decimal units (1 kB = 1000 B) and 4 significant digits, no space:
// "0B", "999B", "1kB", "204.9kB", "1.126GB"; a negative count gets a leading "-".
func Size(n int64) string {
	if n < 0 {
		if n == -n { // the smallest int64 has no positive
			return "-9.223EB"
		}
		return "-" + Size(-n)
	}
	units := []string{"B", "kB", "MB", "GB", "TB", "PB", "EB"}
	f := float64(n)
	i := 0
	for f >= 1000 && i < len(units)-1 {
		f /= 1000
		i++
	}
	return fmt.Sprintf("%.4g%s", f, units[i])
}
