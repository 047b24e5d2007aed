package boltstore_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"
	"go.etcd.io/bbolt"

	"github.com/humop/humop"
	"github.com/humop/humop/boltstore"
	"github.com/humop/humop/kyc"
	"github.com/humop/humop/memstore"
	"github.com/humop/humop/operator"
)

// Run with go test -run '^$' -bench . -benchtime=3s (about two minutes).
// The package documentation quotes results from a 2-core machine with ext4
// and fsyncs of about 0.1 ms.

// BenchmarkRegister measures registrations through the façade, KYC case
// included, from one writer up to 32 concurrent writers.
func BenchmarkRegister(b *testing.B) {
	for _, writers := range []int{1, 32} {
		b.Run(fmt.Sprintf("memstore/writers=%d", writers), func(b *testing.B) {
			benchRegister(b, &memstore.Store{}, writers)
		})
	}
	for _, writers := range []int{1, 2, 4, 8, 32} {
		b.Run(fmt.Sprintf("boltstore/writers=%d", writers), func(b *testing.B) {
			benchRegister(b, openTemp(b, nil), writers)
		})
	}
}

// BenchmarkBatchDelay measures registrations on boltstore for a range of
// Options.MaxBatchDelay; it chose DefaultMaxBatchDelay. A lone writer never
// waits for a batch, so the sweep starts at two.
func BenchmarkBatchDelay(b *testing.B) {
	delays := []time.Duration{100 * time.Microsecond, 300 * time.Microsecond, time.Millisecond,
		2 * time.Millisecond, 10 * time.Millisecond}
	for _, writers := range []int{2, 8, 32} {
		for _, d := range delays {
			b.Run(fmt.Sprintf("writers=%d/delay=%v", writers, d), func(b *testing.B) {
				benchRegister(b, openTemp(b, &boltstore.Options{MaxBatchDelay: d}), writers)
			})
		}
	}
}

// BenchmarkRawBolt measures plain bbolt puts of one value the size of an
// encoded operator record under a 16-byte key: the ceiling for boltstore.
func BenchmarkRawBolt(b *testing.B) {
	size := len(encodedRegistration(b))
	b.Run(fmt.Sprintf("update/writers=1/bytes=%d", size), func(b *testing.B) {
		db := rawDB(b, 0)
		benchWriters(b, 1, func(int64) error { return db.Update(rawPut(size)) })
	})
	b.Run(fmt.Sprintf("update/writers=32/bytes=%d", size), func(b *testing.B) {
		db := rawDB(b, 0)
		benchWriters(b, 32, func(int64) error { return db.Update(rawPut(size)) })
	})
	for _, d := range []time.Duration{10 * time.Millisecond, boltstore.DefaultMaxBatchDelay} {
		b.Run(fmt.Sprintf("batch/writers=32/delay=%v/bytes=%d", d, size), func(b *testing.B) {
			db := rawDB(b, d)
			benchWriters(b, 32, func(int64) error { return db.Batch(rawPut(size)) })
		})
	}
}

// benchRegister registers b.N operators on st from the given number of
// goroutines.
func benchRegister(b *testing.B, st humop.Store, writers int) {
	svc := newService(b, st)
	benchWriters(b, writers, func(i int64) error {
		_, err := svc.RegisterOperator(context.Background(), operator.Registration{
			Name:     "Maria Lopez",
			Email:    fmt.Sprintf("maria.lopez.%d@example.com", i),
			Location: &operator.Location{City: "Lisbon", Country: "PT"},
		}, fmt.Sprintf("user_%d", i))
		return err
	})
}

// benchWriters calls op b.N times from the given number of goroutines and
// reports operations per second.
func benchWriters(b *testing.B, writers int, op func(i int64) error) {
	var (
		next atomic.Int64
		wg   sync.WaitGroup
		mu   sync.Mutex
		err  error
	)
	b.ResetTimer()
	for range writers {
		wg.Go(func() {
			for i := next.Add(1); i <= int64(b.N); i = next.Add(1) {
				if e := op(i); e != nil {
					mu.Lock()
					err = e
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

// encodedRegistration returns the operator record a benchmark registration
// stores.
func encodedRegistration(t testing.TB) []byte {
	op, err := operator.New(operator.Registration{
		Name: "Maria Lopez", Email: "maria.lopez.12345@example.com",
		Location: &operator.Location{City: "Lisbon", Country: "PT"},
	}, operator.IDPrefix+ulid.Make().String(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	op.Subject = "user_12345"
	v, err := boltstore.EncodeOperator(op)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// rawDB opens a bare bbolt file with boltstore's settings and one bucket.
func rawDB(b *testing.B, delay time.Duration) *bbolt.DB {
	db, err := bbolt.Open(filepath.Join(b.TempDir(), "raw.db"), 0o600, &bbolt.Options{
		InitialMmapSize: boltstore.DefaultInitialMmapSize, FreelistType: bbolt.FreelistMapType,
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if delay > 0 {
		db.MaxBatchDelay = delay
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		_, err := tx.CreateBucket([]byte("raw"))
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	return db
}

// rawPut returns a transaction function that puts one value of size bytes.
func rawPut(size int) func(*bbolt.Tx) error {
	key := ulid.Make()
	v := make([]byte, size)
	rand.Read(v)
	return func(tx *bbolt.Tx) error { return tx.Bucket([]byte("raw")).Put(key[:], v) }
}

// TestFileSize reports the size of a file holding 100,000 registered
// operators with their pending KYC cases. Set BOLTSTORE_FILESIZE=1 to run it.
func TestFileSize(t *testing.T) {
	if os.Getenv("BOLTSTORE_FILESIZE") == "" || testing.Short() {
		t.Skip("set BOLTSTORE_FILESIZE=1 to measure the file size of 100,000 operators")
	}
	const total, perUpdate = 100_000, 2_000
	st := openTemp(t, nil)
	now := time.Now()
	start := time.Now()
	for n := 0; n < total; n += perUpdate {
		err := st.Update(context.Background(), func(tx humop.Tx) error {
			for i := n; i < n+perUpdate; i++ {
				op, err := operator.New(operator.Registration{
					Name:     "Maria Lopez",
					Email:    fmt.Sprintf("maria.lopez.%d@example.com", i),
					Location: &operator.Location{City: "Lisbon", Country: "PT"},
				}, operator.IDPrefix+ulid.Make().String(), now)
				if err != nil {
					return err
				}
				op.Subject = fmt.Sprintf("user_%d", i)
				if err := tx.Operators().Insert(op); err != nil {
					return err
				}
				if err := tx.KYC().Put(kyc.Open(op.ID, now)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	elapsed := time.Since(start)
	fi, err := os.Stat(st.Path())
	if err != nil {
		t.Fatal(err)
	}
	opRec := encodedRegistration(t)
	caseRec, err := boltstore.EncodeCase(kyc.Open(operator.IDPrefix+ulid.Make().String(), now))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d operators with KYC cases: file %d bytes (%.1f MiB, %d bytes per operator) in %v; "+
		"operator record %d bytes, case record %d bytes",
		total, fi.Size(), float64(fi.Size())/(1<<20), fi.Size()/total, elapsed.Round(time.Millisecond),
		len(opRec), len(caseRec))
}
