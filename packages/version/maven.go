package version

import (
	"strconv"
	"strings"
)

// Maven's version order (maven-artifact's ComparableVersion): the version splits at '.',
// '-' and digit/letter transitions into numbers and qualifiers, '-' opening a sub-list;
// trailing zeros and release qualifiers drop; qualifiers order alpha < beta < milestone <
// rc = cr < snapshot < "" = ga = final = release < sp < any other (lexically).

type mvnKind uint8

const (
	mvnInt mvnKind = iota
	mvnString
	mvnList
)

type mvnItem struct {
	kind  mvnKind
	num   string // mvnInt: digits without leading zeros ("" is 0)
	str   string // mvnString: the qualifier, aliases resolved
	items []*mvnItem
}

var mvnQualifiers = []string{"alpha", "beta", "milestone", "rc", "snapshot", "", "sp"}

func mvnComparable(q string) string {
	for i, x := range mvnQualifiers {
		if x == q {
			return strconv.Itoa(i)
		}
	}
	return strconv.Itoa(len(mvnQualifiers)) + "-" + q
}

func (it *mvnItem) isNull() bool {
	switch it.kind {
	case mvnInt:
		return it.num == ""
	case mvnString:
		return it.str == ""
	}
	return len(it.items) == 0
}

func mvnString_(s string, followedByDigit bool) *mvnItem {
	if followedByDigit && len(s) == 1 {
		switch s {
		case "a":
			s = "alpha"
		case "b":
			s = "beta"
		case "m":
			s = "milestone"
		}
	}
	switch s {
	case "ga", "final", "release":
		s = ""
	case "cr":
		s = "rc"
	}
	return &mvnItem{kind: mvnString, str: s}
}

func mvnParseItem(isDigit bool, s string) *mvnItem {
	if isDigit {
		return &mvnItem{kind: mvnInt, num: strings.TrimLeft(s, "0")}
	}
	return mvnString_(s, false)
}

func (it *mvnItem) normalize() {
	for i := len(it.items) - 1; i >= 0; i-- {
		last := it.items[i]
		if last.isNull() {
			it.items = append(it.items[:i], it.items[i+1:]...)
		} else if last.kind != mvnList {
			break
		}
	}
}

func parseMaven(v string) *mvnItem {
	v = strings.ToLower(v)
	root := &mvnItem{kind: mvnList}
	list := root
	stack := []*mvnItem{root}
	isDigit := false
	start := 0
	push := func() {
		l := &mvnItem{kind: mvnList}
		list.items = append(list.items, l)
		list = l
		stack = append(stack, l)
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '.':
			if i == start {
				list.items = append(list.items, &mvnItem{kind: mvnInt})
			} else {
				list.items = append(list.items, mvnParseItem(isDigit, v[start:i]))
			}
			start = i + 1
		case c == '-':
			if i == start {
				list.items = append(list.items, &mvnItem{kind: mvnInt})
			} else {
				list.items = append(list.items, mvnParseItem(isDigit, v[start:i]))
			}
			start = i + 1
			push()
		case c >= '0' && c <= '9':
			if !isDigit && i > start {
				list.items = append(list.items, mvnString_(v[start:i], true))
				start = i
				push()
			}
			isDigit = true
		default:
			if isDigit && i > start {
				list.items = append(list.items, mvnParseItem(true, v[start:i]))
				start = i
				push()
			}
			isDigit = false
		}
	}
	if len(v) > start {
		list.items = append(list.items, mvnParseItem(isDigit, v[start:]))
	}
	for i := len(stack) - 1; i >= 0; i-- {
		stack[i].normalize()
	}
	return root
}

// mvnCompare compares an item with another (nil: nothing, as past the end of a list).
func mvnCompare(a, b *mvnItem) int {
	switch a.kind {
	case mvnInt:
		if b == nil {
			if a.num == "" {
				return 0
			}
			return 1
		}
		if b.kind == mvnInt {
			return compareDigits(a.num, b.num)
		}
		return 1
	case mvnString:
		if b == nil {
			return sign(strings.Compare(mvnComparable(a.str), mvnComparable("")))
		}
		if b.kind == mvnString {
			return sign(strings.Compare(mvnComparable(a.str), mvnComparable(b.str)))
		}
		return -1
	}
	if b == nil {
		if len(a.items) == 0 {
			return 0
		}
		return mvnCompare(a.items[0], nil)
	}
	switch b.kind {
	case mvnInt:
		return -1
	case mvnString:
		return 1
	}
	for i := 0; i < max(len(a.items), len(b.items)); i++ {
		var l, r *mvnItem
		if i < len(a.items) {
			l = a.items[i]
		}
		if i < len(b.items) {
			r = b.items[i]
		}
		var c int
		switch {
		case l == nil && r == nil:
		case l == nil:
			c = -mvnCompare(r, nil)
		default:
			c = mvnCompare(l, r)
		}
		if c != 0 {
			return c
		}
	}
	return 0
}

// Maven orders two Maven artifact versions as Maven's ComparableVersion does.
func Maven(a, b string) int { return mvnCompare(parseMaven(a), parseMaven(b)) }
