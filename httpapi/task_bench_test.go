package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/humop/humop/agent"
	"github.com/humop/humop/ledger"
	"github.com/humop/humop/skills"
	"github.com/humop/humop/task"
)

// photoTasks is the number of PHOTO tasks on offer in the browse
// benchmarks, whatever the number of tasks of other types.
const photoTasks = 50

// browseFixture is a store with photoTasks PHOTO tasks and many open tasks
// of other types, and an operator whose only skill is PHOTO.
type browseFixture struct {
	e        *env
	operator []string
	seeding  time.Duration
}

var (
	fixturesMu sync.Mutex
	fixtures   = map[int]*browseFixture{}
)

// seedPosting returns a valid posting of the type, for the façade.
func seedPosting(typ skills.Skill) task.Posting {
	p := task.Posting{
		Title:             "Seeded task",
		Description:       "A task seeded for a benchmark.",
		Type:              typ,
		Reward:            ledger.Cents(1500),
		Deadline:          testNow.Add(7 * 24 * time.Hour),
		ProofRequirements: []string{"proof"},
	}
	if typ.Physical() {
		p.Location = &task.Location{Lat: 52.5, Lng: 13.4, Address: "Berlin"}
	}
	return p
}

// browseEnv returns the fixture with others open tasks of types other than
// PHOTO, seeding it on first use through Service.PostTask, so that a
// million tasks are built once per process however often the benchmark
// function runs.
func browseEnv(b *testing.B, others int) *browseFixture {
	b.Helper()
	fixturesMu.Lock()
	defer fixturesMu.Unlock()
	if f, ok := fixtures[others]; ok {
		return f
	}
	e := devEnv(b)
	ctx := context.Background()
	a, _, err := e.svc.RegisterAgent(ctx, agent.Registration{Name: "Seeder", Email: "seeder@example.com"})
	if err != nil {
		b.Fatal(err)
	}
	var otherTypes []skills.Skill
	for _, sk := range skills.All() {
		if sk != skills.Photo {
			otherTypes = append(otherTypes, sk)
		}
	}
	started := time.Now()
	// PHOTO tasks spread evenly among the others, so that neither the
	// oldest nor the newest tasks are all of one kind.
	every := max(others/photoTasks, 1)
	photos := 0
	for i := range others {
		if i%every == 0 && photos < photoTasks {
			if _, err := e.svc.PostTask(ctx, a.ID, seedPosting(skills.Photo)); err != nil {
				b.Fatal(err)
			}
			photos++
		}
		if _, err := e.svc.PostTask(ctx, a.ID, seedPosting(otherTypes[i%len(otherTypes)])); err != nil {
			b.Fatal(err)
		}
	}
	for ; photos < photoTasks; photos++ {
		if _, err := e.svc.PostTask(ctx, a.ID, seedPosting(skills.Photo)); err != nil {
			b.Fatal(err)
		}
	}
	f := &browseFixture{e: e, operator: e.newOperator(b, "photographer@example.com", "PHOTO"), seeding: time.Since(started)}
	fixtures[others] = f
	return f
}

// BenchmarkBrowse measures GET /api/v1/operator/tasks through the handler
// for an operator with the one skill PHOTO, when 50 PHOTO tasks are on
// offer among 1,000 and among 1,000,000 open tasks of other types. The
// store indexes open tasks by type, so the store's work is the same in
// both; what differs is the heap the garbage collector has to mark, about
// 1.3 GB with a million tasks, which every request pays a share of.
//
// The million-task case seeds through Service.PostTask in about 5 seconds
// and is skipped with -short; like every benchmark it runs only under
// -bench.
func BenchmarkBrowse(b *testing.B) {
	// Free the fixtures afterwards, so that the next benchmarks do not pay
	// for collecting a heap of a million tasks.
	defer func() {
		fixturesMu.Lock()
		clear(fixtures)
		fixturesMu.Unlock()
	}()
	for _, others := range []int{1_000, 1_000_000} {
		b.Run(fmt.Sprintf("other_types=%d", others), func(b *testing.B) {
			if others > 10_000 && testing.Short() {
				b.Skip("seeding a million tasks is skipped in -short")
			}
			f := browseEnv(b, others)
			runtime.GC() // the seeding's garbage is not the browse's to collect
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest("GET", "/api/v1/operator/tasks", nil)
				req.Header.Set(f.operator[0], f.operator[1])
				rec := httptest.NewRecorder()
				f.e.h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"total":50}`) {
					b.Fatalf("browse: %d %.200s", rec.Code, rec.Body)
				}
			}
			// After the loop: b.Loop's first call deletes reported metrics.
			b.ReportMetric(f.seeding.Seconds(), "seed-s")
		})
	}
}

// BenchmarkClaim measures POST /api/v1/operator/tasks/{id}/accept through
// the handler, each claim on a task of its own: one operator claiming in
// turn and several operators claiming in parallel, newest task first; and
// one operator claiming while 100,000 newer PHOTO tasks stay open. A claim
// moves its task within the store's sorted indexes, so the last case shows
// what a claim costs when many tasks follow it there.
func BenchmarkClaim(b *testing.B) {
	// seed posts n PHOTO tasks to claim, then newer ones that stay open.
	seed := func(b *testing.B, n, newer int) (*env, []string) {
		b.Helper()
		e := devEnv(b)
		ctx := context.Background()
		a, _, err := e.svc.RegisterAgent(ctx, agent.Registration{Name: "Seeder", Email: "seeder@example.com"})
		if err != nil {
			b.Fatal(err)
		}
		ids := make([]string, n)
		for i := range n + newer {
			t, err := e.svc.PostTask(ctx, a.ID, seedPosting(skills.Photo))
			if err != nil {
				b.Fatal(err)
			}
			if i < n {
				ids[i] = t.ID
			}
		}
		return e, ids
	}
	accept := func(b *testing.B, e *env, op []string, id string) {
		req := httptest.NewRequest("POST", "/api/v1/operator/tasks/"+id+"/accept",
			strings.NewReader(`{"estimate_hours":2,"estimate_minutes":30}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(op[0], op[1])
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Errorf("accept: %d %s", rec.Code, rec.Body)
		}
	}
	sequential := func(newer int) func(*testing.B) {
		return func(b *testing.B) {
			e, ids := seed(b, b.N, newer)
			op := e.newOperator(b, "op@example.com", "PHOTO")
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				accept(b, e, op, ids[b.N-1-i])
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "claims/s")
		}
	}
	b.Run("sequential", sequential(0))
	b.Run("parallel", func(b *testing.B) {
		e, ids := seed(b, b.N, 0)
		// One operator per goroutine, registered before the timer runs.
		const maxOps = 64
		var ops [maxOps][]string
		for i := range maxOps {
			ops[i] = e.newOperator(b, fmt.Sprintf("op%d@example.com", i), "PHOTO")
		}
		var goroutines, next atomic.Int64
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			op := ops[goroutines.Add(1)%maxOps]
			for pb.Next() {
				accept(b, e, op, ids[int64(len(ids))-next.Add(1)])
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "claims/s")
	})
	b.Run("sequential_with_100k_newer_open", func(b *testing.B) {
		if testing.Short() {
			b.Skip("seeding 100,000 tasks is skipped in -short")
		}
		sequential(100_000)(b)
	})
}
