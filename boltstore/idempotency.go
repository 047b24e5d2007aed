package boltstore

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/humop/humop/idempotency"
)

// idemRecord is an idempotency record as stored. Scope and key make up the
// record's key (see idemKey).
type idemRecord struct {
	Fingerprint []byte    `json:"fingerprint"` // 32 bytes, base64
	Result      []byte    `json:"result,omitempty"`
	Status      int       `json:"status"`
	CreatedAt   time.Time `json:"created_at"`
	ExpiresAt   time.Time `json:"expires_at"`
}

// idemKey returns the key of a record: the length of scope as a uvarint,
// scope, then key. The length makes the pair recoverable, so no two pairs
// share a key whatever bytes they hold.
func idemKey(scope, key string) []byte {
	k := make([]byte, 0, binary.MaxVarintLen64+len(scope)+len(key))
	k = binary.AppendUvarint(k, uint64(len(scope)))
	k = append(k, scope...)
	return append(k, key...)
}

// parseIdemKey is the inverse of idemKey.
func parseIdemKey(k []byte) (scope, key string, ok bool) {
	n, w := binary.Uvarint(k)
	if w <= 0 || n > uint64(len(k)-w) {
		return "", "", false
	}
	rest := k[w:]
	return string(rest[:n]), string(rest[n:]), true
}

func encodeIdem(r idempotency.Record) ([]byte, error) {
	return marshal(idemRecord{
		Fingerprint: r.Fingerprint[:], Result: r.Result, Status: r.Status,
		CreatedAt: r.CreatedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC(),
	})
}

func decodeIdem(scope, key string, b []byte) (idempotency.Record, error) {
	var rec idemRecord
	if err := unmarshal(b, &rec); err != nil {
		return idempotency.Record{}, err
	}
	r := idempotency.Record{
		Scope: scope, Key: key, Result: rec.Result, Status: rec.Status,
		CreatedAt: rec.CreatedAt, ExpiresAt: rec.ExpiresAt,
	}
	if len(rec.Fingerprint) != len(r.Fingerprint) {
		return idempotency.Record{}, fmt.Errorf("fingerprint of %d bytes", len(rec.Fingerprint))
	}
	copy(r.Fingerprint[:], rec.Fingerprint)
	return r, nil
}

// idemStore is the idempotency.Store of one transaction. Get and Put cost
// O(log n) for n records; DeleteExpired walks the expiry index from its
// start and stops at the first record still kept, so it costs O(log n) for
// each record it removes and for none.
type idemStore struct{ t *tx }

func (s idemStore) Get(scope, key string) (*idempotency.Record, error) {
	r, ok, err := s.get(idemKey(scope, key), scope, key)
	if err != nil || !ok {
		return nil, err
	}
	return &r, nil
}

func (s idemStore) get(k []byte, scope, key string) (idempotency.Record, bool, error) {
	v := s.t.b.idem.Get(k)
	if v == nil {
		return idempotency.Record{}, false, nil
	}
	r, err := decodeIdem(scope, key, v)
	if err != nil {
		return r, false, fmt.Errorf("boltstore: get idempotency record %q %q: %w", scope, key, err)
	}
	return r, true, nil
}

func (s idemStore) Put(r idempotency.Record) error {
	if err := s.t.checkWritable("put idempotency record", r.Key); err != nil {
		return err
	}
	k := idemKey(r.Scope, r.Key)
	old, found, err := s.get(k, r.Scope, r.Key)
	if err != nil {
		return err
	}
	if found && !old.Expired(r.CreatedAt) {
		return idempotency.ErrInFlight
	}
	v, err := encodeIdem(r)
	if err != nil {
		return fmt.Errorf("boltstore: put idempotency record %q %q: %w", r.Scope, r.Key, err)
	}

	b := s.t.b
	s.t.wrote = true
	if found {
		if err := b.idemExpiry.Delete(expiryKey(old.ExpiresAt, k)); err != nil {
			return fmt.Errorf("boltstore: put idempotency record %q %q: expiry index: %w", r.Scope, r.Key, err)
		}
	}
	if err := b.idem.Put(k, v); err != nil {
		return fmt.Errorf("boltstore: put idempotency record %q %q: %w", r.Scope, r.Key, err)
	}
	if err := b.idemExpiry.Put(expiryKey(r.ExpiresAt, k), []byte{}); err != nil {
		return fmt.Errorf("boltstore: put idempotency record %q %q: expiry index: %w", r.Scope, r.Key, err)
	}
	return nil
}

func (s idemStore) DeleteExpired(now time.Time) (int, error) {
	if err := s.t.checkWritable("delete expired idempotency records", ""); err != nil {
		return 0, err
	}
	b := s.t.b
	c := b.idemExpiry.Cursor()
	n := 0
	// The cursor restarts from the first key after each delete: bbolt's
	// cursors do not promise to step correctly past a key they deleted.
	for k, _ := c.First(); k != nil; k, _ = c.First() {
		if len(k) <= timeKeyLen {
			return n, fmt.Errorf("boltstore: idempotency expiry index: key %x is too short", k)
		}
		if now.Before(keyTime(k)) {
			break // the first record kept: every later one expires later
		}
		rec := bytes.Clone(k[timeKeyLen:])
		s.t.wrote = true
		if err := b.idem.Delete(rec); err != nil {
			return n, fmt.Errorf("boltstore: delete expired idempotency record: %w", err)
		}
		if err := c.Delete(); err != nil {
			return n, fmt.Errorf("boltstore: delete expired idempotency record: expiry index: %w", err)
		}
		n++
	}
	return n, nil
}

// expiryKey returns the key in the expiry index of the record under k that
// expires at expires.
func expiryKey(expires time.Time, k []byte) []byte {
	return append(timeKey(expires), k...)
}
