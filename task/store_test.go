package task_test

import (
	"fmt"
	"testing"

	"github.com/humop/humop/task"
)

func TestPageCheck(t *testing.T) {
	if task.DefaultLimit != 20 || task.MaxLimit != 100 {
		t.Errorf("DefaultLimit, MaxLimit = %d, %d, want 20, 100", task.DefaultLimit, task.MaxLimit)
	}
	for _, p := range []task.Page{{0, 1}, {0, task.DefaultLimit}, {500, task.MaxLimit}} {
		t.Run(fmt.Sprintf("offset %d limit %d is valid", p.Offset, p.Limit), func(t *testing.T) {
			if err := p.Check(); err != nil {
				t.Errorf("%+v.Check() = %v, want nil", p, err)
			}
		})
	}
	tests := []struct {
		p              task.Page
		field, message string
	}{
		{task.Page{Offset: -1, Limit: 20}, "offset", "offset must be a whole number of at least 0"},
		{task.Page{Offset: 0, Limit: 0}, "limit", "limit must be a whole number from 1 to 100"},
		{task.Page{Offset: 0, Limit: 101}, "limit", "limit must be a whole number from 1 to 100"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("offset %d limit %d is refused", tt.p.Offset, tt.p.Limit), func(t *testing.T) {
			checkInvalid(t, tt.p.Check(), tt.field, tt.message)
		})
	}
}
