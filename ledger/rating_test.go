package ledger_test

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/humop/humop/ledger"
)

// repeat returns n copies of q.
func repeat(q, n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = q
	}
	return s
}

func TestRating(t *testing.T) {
	tests := []struct {
		name   string
		scores []int
		want   int
	}{
		{"a new operator starts at 5.00", nil, 500},
		{"one score of 1 from a new operator gives 4.00 (the contract's example)", []int{1}, 400},
		{"one score of 5 keeps 5.00", []int{5}, 500},
		{"two scores of 1 give 17/5 = 3.40", []int{1, 1}, 340},
		{"four scores of 1 give 19/7 = 2.714… rounded down to 2.71", repeat(1, 4), 271},
		{"three scores of 1 give 18/6 = 3.00", repeat(1, 3), 300},
		{"one 4 gives 19/4 = 4.75", []int{4}, 475},
		{"two 4s give 23/5 = 4.60", []int{4, 4}, 460},
		{"2.625 rounds half up to 2.63", []int{1, 1, 1, 1, 2}, 263},
		{"2.875 rounds half up to 2.88", []int{1, 1, 1, 2, 3}, 288},
		{"4.075 rounds half up to 4.08: 37 scores summing 148", repeat(4, 37), 408},
		{"1.1165… rounds up to 1.12: 100 scores of 1", repeat(1, 100), 112},
		{"2.83495… rounds down to 2.83: 100 scores summing 277",
			append(repeat(3, 77), repeat(2, 23)...), 283},
		{"2.6666… rounds up to 2.67", []int{1, 1, 1, 1, 1, 4}, 267},
		{"100 scores of 5 give 5.00", repeat(5, 100), 500},
		{"only the last 100 scores count: 50 old 1s are forgotten",
			append(repeat(1, 50), repeat(5, 100)...), 500},
		{"only the last 100 scores count: 50 old 5s are forgotten",
			append(repeat(5, 50), repeat(1, 100)...), 112},
		{"101 scores drop the oldest", append([]int{1}, repeat(3, 100)...), 306},
		{"scores out of range are taken at the nearer bound", []int{0, 9}, 420},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ledger.Rating(tt.scores); got != tt.want {
				t.Errorf("Rating(%v) = %d, want %d", tt.scores, got, tt.want)
			}
		})
	}
}

// TestRatingMatchesExactRounding checks Rating against the definition,
// rounding with exact rational arithmetic, for every sum and count that the
// last 100 scores can have.
func TestRatingMatchesExactRounding(t *testing.T) {
	for n := 0; n <= ledger.MaxScores; n++ {
		for sum := n; sum <= 5*n; sum++ {
			scores := repeat(1, n)
			for i, left := 0, sum-n; left > 0; i++ {
				add := min(4, left)
				scores[i] += add
				left -= add
			}
			num, den := 100*(15+sum), 3+n
			want := num / den
			if 2*(num%den) >= den {
				want++
			}
			if got := ledger.Rating(scores); got != want {
				t.Fatalf("Rating(%d scores summing %d) = %d, want %d", n, sum, got, want)
			}
			if got := ledger.Rating(scores); got < 100 || got > 500 {
				t.Fatalf("Rating = %d, out of 100 to 500", got)
			}
		}
	}
}

func TestAddScore(t *testing.T) {
	t.Run("appends to a short history", func(t *testing.T) {
		if diff := cmp.Diff([]int{5, 4, 1}, ledger.AddScore([]int{5, 4}, 1)); diff != "" {
			t.Errorf("AddScore (-want +got):\n%s", diff)
		}
	})
	t.Run("keeps the last 100, oldest first", func(t *testing.T) {
		old := append([]int{1, 2}, repeat(3, 98)...)
		got := ledger.AddScore(old, 5)
		want := append(append([]int{2}, repeat(3, 98)...), 5)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("AddScore (-want +got):\n%s", diff)
		}
	})
	t.Run("trims a history longer than 100", func(t *testing.T) {
		got := ledger.AddScore(repeat(1, 150), 5)
		if len(got) != 100 || got[99] != 5 || got[0] != 1 {
			t.Errorf("AddScore(150 scores) has %d scores ending %d, want 100 ending 5", len(got), got[len(got)-1])
		}
	})
	t.Run("never writes to the slice given", func(t *testing.T) {
		old := make([]int, 2, 10)
		old[0], old[1] = 4, 4
		before := slices.Clone(old[:cap(old)])
		a := ledger.AddScore(old, 1)
		b := ledger.AddScore(old, 2)
		if diff := cmp.Diff(before, old[:cap(old)]); diff != "" {
			t.Errorf("AddScore wrote to its argument (-want +got):\n%s", diff)
		}
		if a[2] != 1 || b[2] != 2 {
			t.Errorf("AddScore results share storage: %v and %v", a, b)
		}
	})
}
