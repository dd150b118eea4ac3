package testgen

import (
	"fmt"
	"strings"
)

// Hostile rules files, container-structure-test files and locks (issue 18): documents that
// are small on disk and cost a parser without bounds gigabytes. Each is a few lines of Go;
// none is committed.

// DeepFlowYAML is a rules file whose key holds a flow list nested depth deep: key: [[[…]]]
// (two bytes a level: 100,000 levels are 200 kB).
func DeepFlowYAML(key string, depth int) []byte {
	return []byte(key + ": " + strings.Repeat("[", depth) + strings.Repeat("]", depth) + "\n")
}

// DeepBlockYAML is the same nesting as block sequences on one line: key:\n  - - - … x.
func DeepBlockYAML(key string, depth int) []byte {
	return []byte(key + ":\n  " + strings.Repeat("- ", depth) + "x\n")
}

// DeepMapYAML nests flow mappings: key: {a: {a: … x}}.
func DeepMapYAML(key string, depth int) []byte {
	return []byte(key + ": " + strings.Repeat("{a: ", depth) + "x" + strings.Repeat("}", depth) + "\n")
}

// DeepIndentYAML nests block mappings by indentation, one level a line (depth² bytes).
func DeepIndentYAML(key string, depth int) []byte {
	var b strings.Builder
	b.WriteString(key + ":\n")
	for i := 1; i <= depth; i++ {
		fmt.Fprintf(&b, "%sa:\n", strings.Repeat(" ", i))
	}
	return []byte(b.String())
}

// AliasBombYAML is a "billion laughs": levels anchors, each a list of width aliases of the
// one before, the last one the value of key (width^levels scalars once expanded, a few
// hundred bytes written).
func AliasBombYAML(key string, levels, width int) []byte {
	var b strings.Builder
	b.WriteString(key + ":\n")
	fmt.Fprintf(&b, "  - &a0 [%s]\n", strings.TrimSuffix(strings.Repeat(`"/x",`, width), ","))
	for i := 1; i < levels; i++ {
		fmt.Fprintf(&b, "  - &a%d [%s]\n", i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*a%d,", i-1), width), ","))
	}
	return []byte(b.String())
}

// FlatYAML is a rules file whose key holds one flow list of scalars, about size bytes.
func FlatYAML(key string, size int) []byte {
	n := max((size-len(key)-5)/7, 1)
	return []byte(key + ": [" + strings.TrimSuffix(strings.Repeat(`"/x/*",`, n), ",") + "]\n")
}

// DiveCI is a .dive-ci setting lowestEfficiency to value, as written ("NaN", ".nan", "0.9").
func DiveCI(value string) []byte {
	return []byte("rules:\n  lowestEfficiency: " + value + "\n")
}

// WideLock is a JSON object of about size bytes with schema 1 and a key holding a list of
// empty objects: {"schema": 1, "x": [{}, {}, …]}.
func WideLock(size int) []byte {
	n := max((size-24)/3, 1)
	return []byte(`{"schema": 1, "x": [` + strings.TrimSuffix(strings.Repeat("{},", n), ",") + "]}")
}

// DeepLock is a JSON object of schema 1 with a key holding lists nested depth deep.
func DeepLock(depth int) []byte {
	return []byte(`{"schema": 1, "x": ` + strings.Repeat("[", depth) + strings.Repeat("]", depth) + "}")
}
