package diff

import (
	"math"
	"time"
)

// Stamp is a modification time in Unix nanoseconds, written in JSON as image.Time writes
// it (RFC 3339, UTC), or null when it is NoStamp: 8 bytes where a time.Time takes 24, in
// each of the two entries of every change.
type Stamp int64

// NoStamp is a path without a modification time (a directory no layer wrote).
const NoStamp Stamp = math.MinInt64

// Time is the stamp as a time, zero for NoStamp.
func (s Stamp) Time() time.Time {
	if s == NoStamp {
		return time.Time{}
	}
	return time.Unix(0, int64(s)).UTC()
}

// MarshalJSON writes the RFC 3339 time in UTC, or null.
func (s Stamp) MarshalJSON() ([]byte, error) { return s.AppendJSON(nil), nil }

// AppendJSON appends what MarshalJSON writes (render streams it without allocating).
func (s *Stamp) AppendJSON(b []byte) []byte {
	if *s == NoStamp {
		return append(b, "null"...)
	}
	b = append(b, '"')
	b = s.Time().AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

// UnmarshalJSON reads what MarshalJSON writes (for readers of strata's JSON).
func (s *Stamp) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*s = NoStamp
		return nil
	}
	var t time.Time
	if err := t.UnmarshalJSON(b); err != nil {
		return err
	}
	*s = Stamp(t.UnixNano())
	return nil
}
