package task_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/humop/humop/task"
)

func TestEstimateCheck(t *testing.T) {
	tests := []struct {
		behaviour string
		e         task.Estimate
		minutes   int    // TotalMinutes when valid
		field     string // empty when valid
		message   string
	}{
		{"minutes alone", task.Estimate{Minutes: 45}, 45, "", ""},
		{"all three units", task.Estimate{Days: 1, Hours: 2, Minutes: 30}, 1590, "", ""},
		{"24 hours without days is a day", task.Estimate{Hours: 24}, 1440, "", ""},
		{"60 minutes alone is an hour", task.Estimate{Minutes: 60}, 60, "", ""},
		{"90 minutes alone", task.Estimate{Minutes: 90}, 90, "", ""},
		{"23 hours with days", task.Estimate{Days: 2, Hours: 23}, 4260, "", ""},
		{"59 minutes with hours", task.Estimate{Hours: 1, Minutes: 59}, 119, "", ""},
		{"the longest estimate", task.Estimate{Days: 365}, 525600, "", ""},
		{"the longest estimate in minutes", task.Estimate{Minutes: 525600}, 525600, "", ""},
		{"note of 1000 characters", task.Estimate{Minutes: 1, Note: strings.Repeat("n", 1000)}, 1, "", ""},
		{"note with line breaks", task.Estimate{Minutes: 1, Note: "a\nb"}, 1, "", ""},

		{"all zero", task.Estimate{}, 0, "estimate_minutes",
			"estimate must be more than zero: give estimate_days, estimate_hours or estimate_minutes"},
		{"negative days", task.Estimate{Days: -1, Hours: 30}, 0, "estimate_days",
			"estimate_days must not be negative"},
		{"negative hours", task.Estimate{Hours: -1, Minutes: 90}, 0, "estimate_hours",
			"estimate_hours must not be negative"},
		{"negative minutes", task.Estimate{Hours: 1, Minutes: -5}, 0, "estimate_minutes",
			"estimate_minutes must not be negative"},
		{"24 hours with a day", task.Estimate{Days: 1, Hours: 24}, 0, "estimate_hours",
			"estimate_hours must be under 24 when estimate_days is given"},
		{"60 minutes with an hour", task.Estimate{Hours: 1, Minutes: 60}, 0, "estimate_minutes",
			"estimate_minutes must be under 60 when estimate_days or estimate_hours is given"},
		{"60 minutes with a day", task.Estimate{Days: 1, Minutes: 60}, 0, "estimate_minutes",
			"estimate_minutes must be under 60 when estimate_days or estimate_hours is given"},
		{"366 days", task.Estimate{Days: 366}, 0, "estimate_days",
			"estimate_days must be at most 365"},
		{"hours beyond a year", task.Estimate{Hours: 8761}, 0, "estimate_hours",
			"estimate_hours must be at most 8760"},
		{"minutes beyond a year", task.Estimate{Minutes: 525601}, 0, "estimate_minutes",
			"estimate_minutes must be at most 525600"},
		{"a year and an hour", task.Estimate{Days: 365, Hours: 1}, 0, "estimate_minutes",
			"estimate must be at most 365 days in total"},
		{"huge days do not overflow", task.Estimate{Days: 1 << 62}, 0, "estimate_days",
			"estimate_days must be at most 365"},
		{"note of 1001 characters", task.Estimate{Minutes: 1, Note: strings.Repeat("n", 1001)}, 0,
			"estimate_note", "estimate_note must be at most 1000 characters"},
		{"note with a NUL", task.Estimate{Minutes: 1, Note: "a\x00"}, 0,
			"estimate_note", "estimate_note must not contain control characters"},
	}
	for _, tt := range tests {
		t.Run(tt.behaviour, func(t *testing.T) {
			err := tt.e.Check()
			if tt.field != "" {
				checkInvalid(t, err, tt.field, tt.message)
				return
			}
			if err != nil {
				t.Fatalf("%+v.Check() = %v, want nil", tt.e, err)
			}
			if got := tt.e.TotalMinutes(); got != tt.minutes {
				t.Errorf("%+v.TotalMinutes() = %d, want %d", tt.e, got, tt.minutes)
			}
		})
	}
}

func ExampleEstimate_TotalMinutes() {
	e := task.Estimate{Days: 1, Hours: 2, Minutes: 30}
	fmt.Println(e.TotalMinutes(), e.Check())

	// Hours may reach 24 only when no days are given.
	fmt.Println(task.Estimate{Hours: 24}.TotalMinutes())
	fmt.Println(task.Estimate{Days: 1, Hours: 24}.Check())
	// Output:
	// 1590 <nil>
	// 1440
	// task: estimate_hours must be under 24 when estimate_days is given
}
