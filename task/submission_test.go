package task_test

import (
	"strings"
	"testing"

	"github.com/humop/humop/task"
)

var requirements = []string{"photo of the front", "photo of the opening hours"}

func item(req, url string) task.ProofItem { return task.ProofItem{Requirement: req, URL: url} }

func TestSubmissionCheck(t *testing.T) {
	front := item("photo of the front", "https://cdn.example/front.jpg")
	hours := item("photo of the opening hours", "http://cdn.example/hours.jpg")
	tests := []struct {
		behaviour string
		s         task.Submission
		field     string // empty when valid
		message   string
	}{
		{"one item per requirement", task.Submission{Proof: []task.ProofItem{front, hours}}, "", ""},
		{"items in any order", task.Submission{Proof: []task.ProofItem{hours, front}}, "", ""},
		{"requirement with spaces around it", task.Submission{Proof: []task.ProofItem{
			item("  photo of the front ", front.URL), hours}}, "", ""},
		{"notes within their limits", task.Submission{Note: strings.Repeat("n", 5000), Proof: []task.ProofItem{
			{Requirement: front.Requirement, URL: front.URL, Note: strings.Repeat("n", 1000)}, hours}}, "", ""},

		{"no proof", task.Submission{Note: "done"}, "proof",
			"proof must have one item per proof requirement (2 expected)"},
		{"a missing requirement", task.Submission{Proof: []task.ProofItem{hours}}, "proof",
			`proof has no item for requirement "photo of the front"`},
		{"a repeated requirement", task.Submission{Proof: []task.ProofItem{front, front, hours}}, "proof",
			`proof[1] repeats requirement "photo of the front"; give one item per requirement`},
		{"an extra requirement", task.Submission{Proof: []task.ProofItem{front, hours,
			item("photo of the back", front.URL)}}, "proof",
			`proof[2].requirement "photo of the back" is not one of the task's proof_requirements`},
		{"a requirement in another case", task.Submission{Proof: []task.ProofItem{
			item("Photo of the front", front.URL), hours}}, "proof",
			`proof[0].requirement "Photo of the front" is not one of the task's proof_requirements`},
		{"a relative URL", task.Submission{Proof: []task.ProofItem{front, item(hours.Requirement, "/hours.jpg")}},
			"proof[1].url", "proof[1].url must be an absolute http or https URL of at most 2048 characters"},
		{"an empty URL", task.Submission{Proof: []task.ProofItem{item(front.Requirement, ""), hours}},
			"proof[0].url", "proof[0].url must be an absolute http or https URL of at most 2048 characters"},
		{"a data URL", task.Submission{Proof: []task.ProofItem{
			item(front.Requirement, "data:image/png;base64,AA"), hours}}, "proof[0].url",
			"proof[0].url must be an absolute http or https URL of at most 2048 characters"},
		{"a javascript URL", task.Submission{Proof: []task.ProofItem{front,
			item(hours.Requirement, "javascript:alert(1)")}}, "proof[1].url",
			"proof[1].url must be an absolute http or https URL of at most 2048 characters"},
		{"a note too long", task.Submission{Note: strings.Repeat("n", 5001),
			Proof: []task.ProofItem{front, hours}}, "note", "note must be at most 5000 characters"},
		{"an item note too long", task.Submission{Proof: []task.ProofItem{front,
			{Requirement: hours.Requirement, URL: hours.URL, Note: strings.Repeat("n", 1001)}}},
			"proof[1].note", "proof[1].note must be at most 1000 characters"},
	}
	for _, tt := range tests {
		t.Run(tt.behaviour, func(t *testing.T) {
			err := tt.s.Check(requirements)
			if tt.field == "" {
				if err != nil {
					t.Errorf("Check() = %v, want nil", err)
				}
				return
			}
			checkInvalid(t, err, tt.field, tt.message)
		})
	}
}
