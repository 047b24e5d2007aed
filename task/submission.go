package task

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Submission is the holder's proof that the work is done.
type Submission struct {
	// Note is the holder's message to the agent; optional, at most
	// MaxSubmissionNoteLen characters.
	Note string
	// Proof holds exactly one item per proof requirement of the task, in
	// any order.
	Proof []ProofItem
	// At is when the proof was submitted; Submit sets it.
	At time.Time
}

// ProofItem proves one requirement, with a link to the evidence (a photo, a
// screenshot, a document).
type ProofItem struct {
	// Requirement is the requirement proved, written exactly as in the
	// task's ProofRequirements (spaces around it aside).
	Requirement string `json:"requirement"`
	// URL is an absolute http or https URL.
	URL string `json:"url"`
	// Note is optional, at most MaxNoteLen characters.
	Note string `json:"note,omitempty"`
}

// Check reports whether s is a valid submission for a task with the given
// proof requirements: exactly one item per requirement (none missing, none
// repeated, none extra), every URL absolute http or https, notes within
// their limits. The first rule broken is returned as a *fault.Error of kind
// Invalid; rules about which items are present name the field "proof", a bad
// URL names "proof[i].url".
func (s Submission) Check(requirements []string) error {
	_, err := s.normal(requirements)
	return err
}

// normal checks s and returns a copy with its text trimmed.
func (s Submission) normal(requirements []string) (Submission, error) {
	note, err := checkNote("note", s.Note, MaxSubmissionNoteLen)
	if err != nil {
		return s, err
	}
	if len(s.Proof) == 0 {
		return s, invalid("proof", "proof must have one item per proof requirement (%d expected)",
			len(requirements))
	}
	out := Submission{Note: note, Proof: make([]ProofItem, 0, len(s.Proof)), At: s.At}
	seen := make(map[string]bool, len(requirements))
	for i, item := range s.Proof {
		req := strings.TrimSpace(item.Requirement)
		switch {
		case !slices.Contains(requirements, req):
			return s, invalid("proof", "proof[%d].requirement %q is not one of the task's proof_requirements",
				i, req)
		case seen[req]:
			return s, invalid("proof", "proof[%d] repeats requirement %q; give one item per requirement",
				i, req)
		}
		seen[req] = true
		url := strings.TrimSpace(item.URL)
		if field := fmt.Sprintf("proof[%d].url", i); !webURL(url) {
			return s, invalid(field, "%s must be an absolute http or https URL of at most %d characters",
				field, MaxURLLen)
		}
		note, err := checkNote(fmt.Sprintf("proof[%d].note", i), item.Note, MaxNoteLen)
		if err != nil {
			return s, err
		}
		out.Proof = append(out.Proof, ProofItem{Requirement: req, URL: url, Note: note})
	}
	for _, req := range requirements {
		if !seen[req] {
			return s, invalid("proof", "proof has no item for requirement %q", req)
		}
	}
	return out, nil
}
