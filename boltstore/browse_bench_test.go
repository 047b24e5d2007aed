package boltstore_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/humop/humop"
	"github.com/humop/humop/memstore"
	"github.com/humop/humop/skills"
	"github.com/humop/humop/task"
)

// BenchmarkListOpen measures the store's side of browsing: the newest 20
// open PHOTO tasks among 50, with 1,000 or 1,000,000 open tasks of other
// types beside them. The index by type should make both cost the same.
// The million-task cases take minutes to seed and run only with
// BROWSE_MILLION=1 in the environment.
func BenchmarkListOpen(b *testing.B) {
	sizes := []int{1_000}
	if testing.Short() {
		b.Skip("seeds many tasks")
	}
	if million() {
		sizes = append(sizes, 1_000_000)
	}
	for _, name := range []string{"memstore", "boltstore"} {
		for _, others := range sizes {
			b.Run(fmt.Sprintf("%s/other_types=%d", name, others), func(b *testing.B) {
				var st humop.Store = &memstore.Store{}
				if name == "boltstore" {
					st = openTemp(b, nil)
				}
				seedOpen(b, st, skills.Photo, 50, 0)
				seedOpen(b, st, skills.CaptchaSolving, others, 50)
				now := time.Date(2026, 4, 2, 12, 0, 0, 0, time.UTC)
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					err := st.View(context.Background(), func(tx humop.Tx) error {
						list, total, err := tx.Tasks().ListOpen(skills.Of(skills.Photo), now, 0, 20)
						if err == nil && (len(list) != 20 || total != 50) {
							err = fmt.Errorf("listed %d of %d, want 20 of 50", len(list), total)
						}
						return err
					})
					if err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func million() bool { return os.Getenv("BROWSE_MILLION") == "1" }

// seedOpen inserts n open tasks of one type in large transactions.
func seedOpen(b *testing.B, st humop.Store, typ skills.Skill, n, offset int) {
	b.Helper()
	created := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	for done := 0; done < n; {
		batch := min(20_000, n-done)
		err := st.Update(context.Background(), func(tx humop.Tx) error {
			for i := range batch {
				at := created.Add(time.Duration(offset+done+i) * time.Millisecond)
				t := &task.Task{
					ID: task.IDPrefix + ulid.Make().String(), AgentID: "ag_01JQ8ZV4Y9D8GJ0X5ZKQ4W3M2N",
					Title: "Seeded task", Description: "d", Type: typ, Reward: 100,
					Deadline: at.Add(240 * time.Hour), ProofRequirements: []string{"proof"},
					Location: &task.Location{Lat: 1, Lng: 1, Address: "a"},
					Status:   task.Pending, CreatedAt: at, UpdatedAt: at,
				}
				if err := tx.Tasks().Insert(t); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		done += batch
	}
}
