package boltstore

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/oklog/ulid/v2"
)

// encodingJSON is the first byte of every record: the rest is JSON. A later
// encoding gets another byte, so that records of both kinds can be read
// while a migration runs.
const encodingJSON byte = 1

// marshal encodes a record.
func marshal(rec any) ([]byte, error) {
	b, err := json.Marshal(rec)
	if err != nil {
		return nil, err
	}
	return append([]byte{encodingJSON}, b...), nil
}

// unmarshal decodes a record written by marshal.
func unmarshal(b []byte, rec any) error {
	if len(b) == 0 || b[0] != encodingJSON {
		return fmt.Errorf("unknown record encoding (%d bytes)", len(b))
	}
	return json.Unmarshal(b[1:], rec)
}

// idKey returns the key of an id such as "op_01JQ...": the 16 bytes of the
// ULID after the prefix. ok is false when id is not the prefix followed by a
// ULID in its canonical form, so that every stored id has one spelling.
func idKey(prefix, id string) (key []byte, ok bool) {
	s, ok := strings.CutPrefix(id, prefix)
	if !ok {
		return nil, false
	}
	u, err := ulid.ParseStrict(s)
	if err != nil || u.String() != s {
		return nil, false
	}
	return u[:], true
}

// keyID is the inverse of idKey.
func keyID(prefix string, key []byte) string {
	var u ulid.ULID
	copy(u[:], key)
	return prefix + u.String()
}

// timeKeyLen is the length of a timeKey.
const timeKeyLen = 12

// timeKey returns a key that sorts as t's instant does: the Unix seconds,
// with the sign bit flipped so that times before 1970 sort first, and the
// nanoseconds, both big-endian. Every time.Time has one, the zero time
// included.
func timeKey(t time.Time) []byte {
	k := make([]byte, timeKeyLen, timeKeyLen+16)
	binary.BigEndian.PutUint64(k, uint64(t.Unix())^1<<63)
	binary.BigEndian.PutUint32(k[8:], uint32(t.Nanosecond()))
	return k
}

// keyTime is the inverse of timeKey, in UTC; k may be longer than a
// timeKey.
func keyTime(k []byte) time.Time {
	sec := int64(binary.BigEndian.Uint64(k) ^ 1<<63)
	return time.Unix(sec, int64(binary.BigEndian.Uint32(k[8:]))).UTC()
}
