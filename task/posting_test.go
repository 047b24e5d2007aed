package task_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/humop/humop/fault"
	"github.com/humop/humop/ledger"
	"github.com/humop/humop/skills"
	"github.com/humop/humop/task"
)

func TestNew(t *testing.T) {
	p := posting()
	p.Title = "  Photograph the shop front \n"
	p.ProofRequirements = []string{" photo of the front", "photo of the opening hours  "}
	p.Location.Address = " Alexanderplatz 1, Berlin "
	p.Type = " PHOTO "
	got, err := task.New(p, "task_01", "ag_01", posted)
	if err != nil {
		t.Fatalf("New() = %v, want no error", err)
	}
	want := &task.Task{
		ID:                "task_01",
		AgentID:           "ag_01",
		Title:             "Photograph the shop front",
		Description:       "Take two photos of the shop front at Alexanderplatz.",
		Type:              skills.Photo,
		Location:          &task.Location{Lat: 52.5219, Lng: 13.4132, Address: "Alexanderplatz 1, Berlin"},
		Reward:            1500,
		Deadline:          deadline.UTC(),
		ProofRequirements: []string{"photo of the front", "photo of the opening hours"},
		CallbackURL:       "https://agent.example/hooks/task",
		CallbackSecret:    "whsec_123",
		Status:            task.Pending,
		CreatedAt:         posted.UTC(),
		UpdatedAt:         posted.UTC(),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("New() mismatch (-want +got):\n%s", diff)
	}
	if got.CreatedAt.Location() != time.UTC || got.Deadline.Location() != time.UTC {
		t.Errorf("New() times in %v and %v, want UTC", got.CreatedAt.Location(), got.Deadline.Location())
	}
}

func TestNewDoesNotShareInput(t *testing.T) {
	p := posting()
	got, err := task.New(p, "task_01", "ag_01", posted)
	if err != nil {
		t.Fatalf("New() = %v", err)
	}
	p.ProofRequirements[0] = "changed"
	p.Location.Address = "changed"
	if got.ProofRequirements[0] == "changed" || got.Location.Address == "changed" {
		t.Errorf("changing the posting changed the task: %+v", got)
	}
}

func TestNewAccepts(t *testing.T) {
	tests := []struct {
		behaviour string
		change    func(*task.Posting)
	}{
		{"a digital task needs no location", func(p *task.Posting) {
			p.Type = skills.CaptchaSolving
			p.Location = nil
		}},
		{"a digital task may have a location", func(p *task.Posting) { p.Type = skills.FormFilling }},
		{"a one-cent reward is enough", func(p *task.Posting) { p.Reward = 1 }},
		{"the largest amount is a valid reward", func(p *task.Posting) { p.Reward = ledger.MaxAmount }},
		{"a deadline one nanosecond ahead is in the future", func(p *task.Posting) {
			p.Deadline = posted.Add(time.Nanosecond)
		}},
		{"title of 200 characters", func(p *task.Posting) { p.Title = strings.Repeat("é", 200) }},
		{"description of 5000 characters with line breaks", func(p *task.Posting) {
			p.Description = strings.Repeat("line\n\tx", 714) + "ab"
		}},
		{"20 proof requirements of 500 characters", func(p *task.Posting) {
			p.ProofRequirements = nil
			for i := range 20 {
				p.ProofRequirements = append(p.ProofRequirements, string(rune('a'+i))+strings.Repeat("x", 499))
			}
		}},
		{"requirements differing in case are distinct", func(p *task.Posting) {
			p.ProofRequirements = []string{"Photo", "photo"}
		}},
		{"coordinates on the limits", func(p *task.Posting) {
			p.Location = &task.Location{Lat: -90, Lng: 180, Address: "South Pole"}
		}},
		{"address of 500 characters", func(p *task.Posting) { p.Location.Address = strings.Repeat("a", 500) }},
		{"no callback", func(p *task.Posting) { p.CallbackURL = ""; p.CallbackSecret = "" }},
		{"http callback with port and query", func(p *task.Posting) {
			p.CallbackURL = "http://localhost:9000/hook?x=1"
		}},
		{"callback scheme in upper case", func(p *task.Posting) { p.CallbackURL = "HTTPS://agent.example/h" }},
		{"callback secret of 256 characters", func(p *task.Posting) {
			p.CallbackSecret = strings.Repeat("s", 256)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.behaviour, func(t *testing.T) {
			p := posting()
			tt.change(&p)
			if _, err := task.New(p, "task_01", "ag_01", posted); err != nil {
				t.Errorf("New() = %v, want no error", err)
			}
		})
	}
}

func TestNewRefuses(t *testing.T) {
	tests := []struct {
		behaviour string
		change    func(*task.Posting)
		field     string
		message   string
	}{
		{"empty title", func(p *task.Posting) { p.Title = "  " },
			"title", "title must be 1 to 200 characters"},
		{"title of 201 characters", func(p *task.Posting) { p.Title = strings.Repeat("a", 201) },
			"title", "title must be 1 to 200 characters"},
		{"title with a line break", func(p *task.Posting) { p.Title = "a\nb" },
			"title", "title must not contain control characters"},
		{"empty description", func(p *task.Posting) { p.Description = "" },
			"description", "description must be 1 to 5000 characters"},
		{"description of 5001 characters", func(p *task.Posting) { p.Description = strings.Repeat("a", 5001) },
			"description", "description must be 1 to 5000 characters"},
		{"description with a NUL", func(p *task.Posting) { p.Description = "a\x00b" },
			"description", "description must not contain control characters"},
		{"missing task type", func(p *task.Posting) { p.Type = "" },
			"task_type", "task_type is required: one of " + skills.AllSet().String()},
		{"unknown task type", func(p *task.Posting) { p.Type = "GARDENING" },
			"task_type", `task_type must be one of ` + skills.AllSet().String() + `, not "GARDENING"`},
		{"zero reward", func(p *task.Posting) { p.Reward = 0 },
			"reward_usd", "reward_usd must be greater than 0"},
		{"negative reward", func(p *task.Posting) { p.Reward = -100 },
			"reward_usd", "reward_usd must be greater than 0"},
		{"reward over the maximum", func(p *task.Posting) { p.Reward = ledger.MaxAmount + 1 },
			"reward_usd", "reward_usd must be at most 10000000000.00"},
		{"missing deadline", func(p *task.Posting) { p.Deadline = time.Time{} },
			"deadline", "deadline is required"},
		{"deadline equal to now", func(p *task.Posting) { p.Deadline = posted },
			"deadline", "deadline must be in the future"},
		{"deadline equal to now in another zone", func(p *task.Posting) { p.Deadline = posted.UTC() },
			"deadline", "deadline must be in the future"},
		{"deadline in the past", func(p *task.Posting) { p.Deadline = posted.Add(-time.Hour) },
			"deadline", "deadline must be in the future"},
		{"no proof requirements", func(p *task.Posting) { p.ProofRequirements = nil },
			"proof_requirements", "proof_requirements must list at least one requirement"},
		{"21 proof requirements", func(p *task.Posting) {
			p.ProofRequirements = nil
			for i := range 21 {
				p.ProofRequirements = append(p.ProofRequirements, string(rune('a'+i)))
			}
		}, "proof_requirements", "proof_requirements must list at most 20 requirements"},
		{"blank proof requirement", func(p *task.Posting) { p.ProofRequirements = []string{"a", " "} },
			"proof_requirements", "proof_requirements[1] must be 1 to 500 characters"},
		{"proof requirement of 501 characters", func(p *task.Posting) {
			p.ProofRequirements = []string{strings.Repeat("a", 501)}
		}, "proof_requirements", "proof_requirements[0] must be 1 to 500 characters"},
		{"proof requirement with a control character", func(p *task.Posting) {
			p.ProofRequirements = []string{"a\tb"}
		}, "proof_requirements", "proof_requirements[0] must not contain control characters"},
		{"duplicate proof requirement after trimming", func(p *task.Posting) {
			p.ProofRequirements = []string{"photo", "other", " photo "}
		}, "proof_requirements", `proof_requirements[2] repeats "photo"`},
		{"physical task without location", func(p *task.Posting) { p.Location = nil },
			"location", "location is required for task_type PHOTO, which is done on location"},
		{"physical type without location", func(p *task.Posting) {
			p.Type = "DELIVERY"
			p.Location = nil
		}, "location", "location is required for task_type DELIVERY, which is done on location"},
		{"latitude over 90", func(p *task.Posting) { p.Location.Lat = 90.0001 },
			"location.lat", "location.lat must be between -90 and 90"},
		{"latitude under -90", func(p *task.Posting) { p.Location.Lat = -91 },
			"location.lat", "location.lat must be between -90 and 90"},
		{"latitude NaN", func(p *task.Posting) { p.Location.Lat = math.NaN() },
			"location.lat", "location.lat must be between -90 and 90"},
		{"longitude over 180", func(p *task.Posting) { p.Location.Lng = 180.5 },
			"location.lng", "location.lng must be between -180 and 180"},
		{"longitude infinite", func(p *task.Posting) { p.Location.Lng = math.Inf(-1) },
			"location.lng", "location.lng must be between -180 and 180"},
		{"empty address", func(p *task.Posting) { p.Location.Address = " " },
			"location.address", "location.address must be 1 to 500 characters"},
		{"address of 501 characters", func(p *task.Posting) { p.Location.Address = strings.Repeat("a", 501) },
			"location.address", "location.address must be 1 to 500 characters"},
		{"bad location on a digital task", func(p *task.Posting) {
			p.Type = skills.ContentReview
			p.Location.Lat = 100
		}, "location.lat", "location.lat must be between -90 and 90"},
		{"relative callback", func(p *task.Posting) { p.CallbackURL = "/hooks/task" },
			"callback_url", "callback_url must be an absolute http or https URL of at most 2048 characters"},
		{"callback without host", func(p *task.Posting) { p.CallbackURL = "https:///hooks" },
			"callback_url", "callback_url must be an absolute http or https URL of at most 2048 characters"},
		{"callback with another scheme", func(p *task.Posting) { p.CallbackURL = "ftp://agent.example/h" },
			"callback_url", "callback_url must be an absolute http or https URL of at most 2048 characters"},
		{"callback with a space", func(p *task.Posting) { p.CallbackURL = "https://agent.example/a b" },
			"callback_url", "callback_url must be an absolute http or https URL of at most 2048 characters"},
		{"callback over 2048 characters", func(p *task.Posting) {
			p.CallbackURL = "https://agent.example/" + strings.Repeat("a", 2048)
		}, "callback_url", "callback_url must be an absolute http or https URL of at most 2048 characters"},
		{"callback secret of 257 characters", func(p *task.Posting) {
			p.CallbackSecret = strings.Repeat("s", 257)
		}, "callback_secret", "callback_secret must be at most 256 characters"},
	}
	for _, tt := range tests {
		t.Run(tt.behaviour, func(t *testing.T) {
			p := posting()
			tt.change(&p)
			got, err := task.New(p, "task_01", "ag_01", posted)
			if got != nil {
				t.Errorf("New() returned a task with error %v", err)
			}
			checkInvalid(t, err, tt.field, tt.message)
		})
	}
}

// checkInvalid fails t unless err is a fault.Invalid error about field
// with the message.
func checkInvalid(t *testing.T, err error, field, message string) {
	t.Helper()
	fe := fault.As(err)
	if fe == nil {
		t.Fatalf("error = %v, want a *fault.Error", err)
	}
	want := &fault.Error{Kind: fault.Invalid, Op: "task", Field: field, Message: message}
	if fe == task.ErrDeadlineInPast {
		// The one rule about the moment, not the form: 422.
		want.Kind, want.Code = fault.Unprocessable, "deadline_in_past"
	}
	if diff := cmp.Diff(want, fe); diff != "" {
		t.Errorf("error mismatch (-want +got):\n%s", diff)
	}
}
