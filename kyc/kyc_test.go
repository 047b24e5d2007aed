package kyc_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/humop/humop/fault"
	"github.com/humop/humop/kyc"
)

var (
	// openedAt and the times after it are in a zone other than UTC so that
	// normalisation shows.
	openedAt    = time.Date(2026, 4, 2, 14, 0, 0, 0, time.FixedZone("CEST", 2*60*60))
	submittedAt = openedAt.Add(time.Hour)
	decidedAt   = openedAt.Add(3 * time.Hour)
	laterAt     = openedAt.Add(48 * time.Hour)
)

var allStatuses = []kyc.Status{kyc.Pending, kyc.Approved, kyc.Rejected}

// documents returns a complete submission, built directly so that these
// tests do not depend on Check and the clock.
func documents() kyc.Submission {
	return kyc.Submission{
		IDDocument: kyc.IDDocument{Type: kyc.Passport, Country: "DE",
			FileURL: "https://files.example.com/id.jpg"},
		Selfie: kyc.Selfie{FileURL: "https://files.example.com/selfie.jpg"},
		ProofOfAddress: kyc.AddressProof{Type: kyc.UtilityBill,
			IssuedOn: kyc.Date{Year: 2026, Month: time.March, Day: 1},
			FileURL:  "https://files.example.com/bill.pdf"},
	}
}

// submitted returns a case with review 1 open.
func submitted(t *testing.T) *kyc.Case {
	t.Helper()
	c, err := kyc.Open("op_1", openedAt).Submit(documents(), submittedAt)
	if err != nil {
		t.Fatalf("Submit(documents) error = %v", err)
	}
	return c
}

// reviewed returns a case whose review 1 was decided with status s.
func reviewed(t *testing.T, s kyc.Status, final bool) *kyc.Case {
	t.Helper()
	d := kyc.Decision{Status: s, Actor: "reviewer", Reason: "first look", Final: final}
	c, changed, err := submitted(t).Decide(d, decidedAt)
	if err != nil || !changed {
		t.Fatalf("Decide(%+v) = changed %v, error %v; want true, nil", d, changed, err)
	}
	return c
}

// exempted returns a case decided by Exempt with status s, without
// documents.
func exempted(t *testing.T, s kyc.Status, final bool) *kyc.Case {
	t.Helper()
	d := kyc.Decision{Status: s, Actor: kyc.ActorAutoApprove, Reason: "development", Final: final}
	c, err := kyc.Open("op_1", openedAt).Exempt(d, decidedAt)
	if err != nil {
		t.Fatalf("Exempt(%+v) error = %v", d, err)
	}
	return c
}

// wantUnchanged fails the test unless got is the original pointer and the
// case still equals before.
func wantUnchanged(t *testing.T, call string, c, got, before *kyc.Case) {
	t.Helper()
	if got != c {
		t.Errorf("%s returned %p, want the original %p", call, got, c)
	}
	if diff := cmp.Diff(before, c); diff != "" {
		t.Errorf("%s changed the case (-want +got):\n%s", call, diff)
	}
}

func TestCanMove(t *testing.T) {
	// The package doc's table: Submit moves PENDING to PENDING (a review
	// opens) and REJECTED to PENDING; Decide and Exempt move PENDING to
	// APPROVED or REJECTED. APPROVED is terminal.
	allowed := map[[2]kyc.Status]bool{
		{kyc.Pending, kyc.Pending}:  true,
		{kyc.Pending, kyc.Approved}: true,
		{kyc.Pending, kyc.Rejected}: true,
		{kyc.Rejected, kyc.Pending}: true,
	}
	for _, from := range allStatuses {
		for _, to := range allStatuses {
			want := allowed[[2]kyc.Status{from, to}]
			verb := "cannot"
			if want {
				verb = "can"
			}
			t.Run(fmt.Sprintf("%s %s move to %s", from, verb, to), func(t *testing.T) {
				if got := kyc.CanMove(from, to); got != want {
					t.Errorf("CanMove(%s, %s) = %v, want %v", from, to, got, want)
				}
			})
		}
	}
	for _, tt := range []struct{ from, to kyc.Status }{
		{"", kyc.Pending},
		{kyc.Pending, ""},
		{"pending", "approved"},
		{"UNKNOWN", kyc.Pending},
	} {
		t.Run(fmt.Sprintf("invalid status %q to %q cannot move", tt.from, tt.to), func(t *testing.T) {
			if kyc.CanMove(tt.from, tt.to) {
				t.Errorf("CanMove(%q, %q) = true, want false", tt.from, tt.to)
			}
		})
	}
}

func TestStatus(t *testing.T) {
	tests := []struct {
		behaviour string
		status    kyc.Status
		valid     bool
		canClaim  bool
	}{
		{"pending is valid and cannot claim", kyc.Pending, true, false},
		{"approved is valid and can claim", kyc.Approved, true, true},
		{"rejected is valid and cannot claim", kyc.Rejected, true, false},
		{"empty is invalid and cannot claim", "", false, false},
		{"lower case is invalid and cannot claim", "approved", false, false},
		{"unknown is invalid and cannot claim", "VERIFIED", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.behaviour, func(t *testing.T) {
			if got := tt.status.Valid(); got != tt.valid {
				t.Errorf("Status(%q).Valid() = %v, want %v", tt.status, got, tt.valid)
			}
			if got := tt.status.CanClaim(); got != tt.canClaim {
				t.Errorf("Status(%q).CanClaim() = %v, want %v", tt.status, got, tt.canClaim)
			}
		})
	}
}

func TestOpen(t *testing.T) {
	got := kyc.Open("op_1", openedAt)
	want := &kyc.Case{
		OperatorID: "op_1",
		Status:     kyc.Pending,
		History: []kyc.Event{{
			At: openedAt.UTC(), To: kyc.Pending, Actor: kyc.ActorSystem, Reason: "operator registered",
		}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Open(op_1, %v) mismatch (-want +got):\n%s", openedAt, diff)
	}
	if loc := got.History[0].At.Location(); loc != time.UTC {
		t.Errorf("Open history At location = %v, want UTC", loc)
	}
	if err := got.CanSubmit(); err != nil {
		t.Errorf("Open(...).CanSubmit() = %v, want nil", err)
	}
}

func TestSubmit(t *testing.T) {
	tests := []struct {
		name  string
		start func(t *testing.T) *kyc.Case
		want  func(c *kyc.Case) // changes besides the submission itself
	}{
		{"first submission opens review 1",
			func(*testing.T) *kyc.Case { return kyc.Open("op_1", openedAt) },
			func(c *kyc.Case) {
				c.Review = 1
				c.History = append(c.History, kyc.Event{At: laterAt.UTC(), From: kyc.Pending,
					To: kyc.Pending, Actor: kyc.ActorOperator, Reason: "documents submitted", Review: 1})
			}},
		{"resubmission after a retryable rejection opens review 2 and clears the reason",
			func(t *testing.T) *kyc.Case { return reviewed(t, kyc.Rejected, false) },
			func(c *kyc.Case) {
				c.Review = 2
				c.RejectionReason = ""
				c.History = append(c.History, kyc.Event{At: laterAt.UTC(), From: kyc.Rejected,
					To: kyc.Pending, Actor: kyc.ActorOperator, Reason: "documents submitted", Review: 2})
			}},
		{"submission after a retryable exempt rejection opens review 1",
			func(t *testing.T) *kyc.Case { return exempted(t, kyc.Rejected, false) },
			func(c *kyc.Case) {
				c.Review = 1
				c.RejectionReason = ""
				c.History = append(c.History, kyc.Event{At: laterAt.UTC(), From: kyc.Rejected,
					To: kyc.Pending, Actor: kyc.ActorOperator, Reason: "documents submitted", Review: 1})
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.start(t)
			before := c.Clone()
			want := c.Clone()
			tt.want(want)
			docs := documents()
			want.Status = kyc.Pending
			want.ReviewOpen = true
			want.Submission = &docs
			want.SubmittedAt = laterAt.UTC()

			got, err := c.Submit(documents(), laterAt)
			if err != nil {
				t.Fatalf("Submit(documents) error = %v, want nil", err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Submit(documents) mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(before, c); diff != "" {
				t.Errorf("Submit(documents) changed the original (-want +got):\n%s", diff)
			}
			if got.SubmittedAt.Location() != time.UTC {
				t.Errorf("Submit SubmittedAt in %v, want UTC", got.SubmittedAt.Location())
			}
		})
	}
}

func TestSubmitRefused(t *testing.T) {
	tests := []struct {
		name   string
		start  func(t *testing.T) *kyc.Case
		docs   func(s *kyc.Submission)
		target error  // a sentinel, or nil for a fault.Invalid
		field  string // the field of the fault.Invalid
	}{
		{"approved case", func(t *testing.T) *kyc.Case { return reviewed(t, kyc.Approved, false) },
			nil, kyc.ErrAlreadyApproved, ""},
		{"exempt-approved case", func(t *testing.T) *kyc.Case { return exempted(t, kyc.Approved, false) },
			nil, kyc.ErrAlreadyApproved, ""},
		{"finally rejected case", func(t *testing.T) *kyc.Case { return reviewed(t, kyc.Rejected, true) },
			nil, kyc.ErrFinal, ""},
		{"finally exempt-rejected case",
			func(t *testing.T) *kyc.Case { return exempted(t, kyc.Rejected, true) },
			nil, kyc.ErrFinal, ""},
		{"case with a review open", submitted, nil, kyc.ErrReviewOpen, ""},
		{"ID document without type", nil,
			func(s *kyc.Submission) { s.IDDocument.Type = "" }, nil, "id_document"},
		{"ID document of unknown type", nil,
			func(s *kyc.Submission) { s.IDDocument.Type = "LIBRARY_CARD" }, nil, "id_document"},
		{"ID document without country", nil,
			func(s *kyc.Submission) { s.IDDocument.Country = "" }, nil, "id_document"},
		{"ID document without file", nil,
			func(s *kyc.Submission) { s.IDDocument.FileURL = "" }, nil, "id_document"},
		{"selfie without file", nil,
			func(s *kyc.Submission) { s.Selfie.FileURL = "" }, nil, "selfie"},
		{"proof of address without type", nil,
			func(s *kyc.Submission) { s.ProofOfAddress.Type = "" }, nil, "proof_of_address"},
		{"proof of address without date", nil,
			func(s *kyc.Submission) { s.ProofOfAddress.IssuedOn = kyc.Date{} }, nil, "proof_of_address"},
		{"proof of address without file", nil,
			func(s *kyc.Submission) { s.ProofOfAddress.FileURL = "" }, nil, "proof_of_address"},
		{"no documents at all", nil,
			func(s *kyc.Submission) { *s = kyc.Submission{} }, nil, "id_document"},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is refused", func(t *testing.T) {
			c := kyc.Open("op_1", openedAt)
			if tt.start != nil {
				c = tt.start(t)
			}
			docs := documents()
			if tt.docs != nil {
				tt.docs(&docs)
			}
			before := c.Clone()

			got, err := c.Submit(docs, laterAt)
			if tt.target != nil {
				if !errors.Is(err, tt.target) {
					t.Errorf("Submit(%+v) error = %v, want %v", docs, err, tt.target)
				}
				if k := fault.KindOf(err); k != fault.Conflict {
					t.Errorf("KindOf(Submit error) = %v, want %v", k, fault.Conflict)
				}
				if cerr := c.CanSubmit(); !errors.Is(cerr, tt.target) {
					t.Errorf("CanSubmit() = %v, want %v", cerr, tt.target)
				}
			} else {
				fe := fault.As(err)
				if fe == nil || fe.Kind != fault.Invalid || fe.Field != tt.field {
					t.Errorf("Submit(%+v) error = %v, want field %q", docs, err, tt.field)
				}
			}
			wantUnchanged(t, "Submit", c, got, before)
		})
	}
}

func TestDecideOpenReview(t *testing.T) {
	tests := []struct {
		name     string
		decision kyc.Decision
		want     func(c *kyc.Case)
	}{
		{"approval records history and leaves rejection fields empty",
			kyc.Decision{Status: kyc.Approved, Actor: "reviewer@humop", Reason: "documents match"},
			func(c *kyc.Case) {
				c.Status = kyc.Approved
				c.History = append(c.History, kyc.Event{At: decidedAt.UTC(), From: kyc.Pending,
					To: kyc.Approved, Actor: "reviewer@humop", Reason: "documents match", Review: 1})
			}},
		{"approval naming its review",
			kyc.Decision{Review: 1, Status: kyc.Approved, Actor: "provider"},
			func(c *kyc.Case) {
				c.Status = kyc.Approved
				c.History = append(c.History, kyc.Event{At: decidedAt.UTC(), From: kyc.Pending,
					To: kyc.Approved, Actor: "provider", Review: 1})
			}},
		{"approval marked final is not final",
			kyc.Decision{Status: kyc.Approved, Actor: "reviewer", Reason: "ok", Final: true},
			func(c *kyc.Case) {
				c.Status = kyc.Approved
				c.History = append(c.History, kyc.Event{At: decidedAt.UTC(), From: kyc.Pending,
					To: kyc.Approved, Actor: "reviewer", Reason: "ok", Review: 1})
			}},
		{"retryable rejection keeps the reason",
			kyc.Decision{Status: kyc.Rejected, Actor: "reviewer", Reason: "selfie blurred"},
			func(c *kyc.Case) {
				c.Status = kyc.Rejected
				c.RejectionReason = "selfie blurred"
				c.History = append(c.History, kyc.Event{At: decidedAt.UTC(), From: kyc.Pending,
					To: kyc.Rejected, Actor: "reviewer", Reason: "selfie blurred", Review: 1})
			}},
		{"final rejection is final in the case and its history",
			kyc.Decision{Review: 1, Status: kyc.Rejected, Actor: "reviewer",
				Reason: "forged document", Final: true},
			func(c *kyc.Case) {
				c.Status = kyc.Rejected
				c.RejectionReason = "forged document"
				c.Final = true
				c.History = append(c.History, kyc.Event{At: decidedAt.UTC(), From: kyc.Pending,
					To: kyc.Rejected, Actor: "reviewer", Reason: "forged document", Review: 1, Final: true})
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := submitted(t)
			before := c.Clone()
			want := c.Clone()
			tt.want(want)
			want.ReviewOpen = false
			want.DecidedAt = decidedAt.UTC()

			got, changed, err := c.Decide(tt.decision, decidedAt)
			if err != nil || !changed {
				t.Fatalf("Decide(%+v) = changed %v, error %v; want true, nil", tt.decision, changed, err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Decide(%+v) mismatch (-want +got):\n%s", tt.decision, diff)
			}
			if diff := cmp.Diff(before, c); diff != "" {
				t.Errorf("Decide(%+v) changed the original (-want +got):\n%s", tt.decision, diff)
			}
			if got.DecidedAt.Location() != time.UTC {
				t.Errorf("Decide DecidedAt in %v, want UTC", got.DecidedAt.Location())
			}
			if at := got.History[len(got.History)-1].At; at.Location() != time.UTC {
				t.Errorf("Decide history At in %v, want UTC", at.Location())
			}
		})
	}
}

func TestDecideRefused(t *testing.T) {
	reject := func(review int, final bool) kyc.Decision {
		return kyc.Decision{Review: review, Status: kyc.Rejected, Actor: "p", Reason: "again", Final: final}
	}
	approve := func(review int) kyc.Decision {
		return kyc.Decision{Review: review, Status: kyc.Approved, Actor: "p"}
	}
	resubmitted := func(t *testing.T) *kyc.Case {
		t.Helper()
		c, err := reviewed(t, kyc.Rejected, false).Submit(documents(), laterAt)
		if err != nil {
			t.Fatalf("Submit after rejection error = %v", err)
		}
		return c
	}
	tests := []struct {
		name   string
		start  func(t *testing.T) *kyc.Case
		d      kyc.Decision
		target error
	}{
		{"approved review cannot be rejected",
			func(t *testing.T) *kyc.Case { return reviewed(t, kyc.Approved, false) },
			reject(1, false), kyc.ErrAlreadyDecided},
		{"approved review cannot be rejected through the latest review",
			func(t *testing.T) *kyc.Case { return reviewed(t, kyc.Approved, false) },
			reject(0, true), kyc.ErrAlreadyDecided},
		{"rejected review cannot be approved",
			func(t *testing.T) *kyc.Case { return reviewed(t, kyc.Rejected, false) },
			approve(1), kyc.ErrAlreadyDecided},
		{"finally rejected review cannot be approved",
			func(t *testing.T) *kyc.Case { return reviewed(t, kyc.Rejected, true) },
			approve(0), kyc.ErrAlreadyDecided},
		{"retryable rejection cannot become final",
			func(t *testing.T) *kyc.Case { return reviewed(t, kyc.Rejected, false) },
			reject(1, true), kyc.ErrAlreadyDecided},
		{"final rejection cannot become retryable",
			func(t *testing.T) *kyc.Case { return reviewed(t, kyc.Rejected, true) },
			reject(1, false), kyc.ErrAlreadyDecided},
		{"decision about a review never opened is stale",
			func(t *testing.T) *kyc.Case { return reviewed(t, kyc.Approved, false) },
			reject(2, false), kyc.ErrStale},
		{"late decision about an earlier review is stale", resubmitted, approve(1), kyc.ErrStale},
		{"decision naming a review on a case without one is stale",
			func(*testing.T) *kyc.Case { return kyc.Open("op_1", openedAt) },
			approve(1), kyc.ErrStale},
		{"decision on a case without a review",
			func(*testing.T) *kyc.Case { return kyc.Open("op_1", openedAt) },
			approve(0), kyc.ErrNoOpenReview},
		{"decision on an exempt-approved case",
			func(t *testing.T) *kyc.Case { return exempted(t, kyc.Approved, false) },
			reject(0, false), kyc.ErrNoOpenReview},
		{"decision on an exempt-rejected case",
			func(t *testing.T) *kyc.Case { return exempted(t, kyc.Rejected, false) },
			approve(0), kyc.ErrNoOpenReview},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.start(t)
			before := c.Clone()

			got, changed, err := c.Decide(tt.d, laterAt)
			if !errors.Is(err, tt.target) {
				t.Errorf("Decide(%+v) error = %v, want %v", tt.d, err, tt.target)
			}
			if k := fault.KindOf(err); k != fault.Conflict {
				t.Errorf("KindOf(Decide error) = %v, want %v", k, fault.Conflict)
			}
			if changed {
				t.Errorf("Decide(%+v) changed = true, want false", tt.d)
			}
			wantUnchanged(t, fmt.Sprintf("Decide(%+v)", tt.d), c, got, before)
		})
	}
}

func TestDecideRepeatChangesNothing(t *testing.T) {
	tests := []struct {
		name  string
		start func(t *testing.T) *kyc.Case
		d     kyc.Decision
	}{
		{"repeated approval",
			func(t *testing.T) *kyc.Case { return reviewed(t, kyc.Approved, false) },
			kyc.Decision{Review: 1, Status: kyc.Approved, Actor: "provider"}},
		{"repeated approval about the latest review",
			func(t *testing.T) *kyc.Case { return reviewed(t, kyc.Approved, false) },
			kyc.Decision{Status: kyc.Approved, Actor: "provider", Final: true}},
		{"repeated retryable rejection with another reason",
			func(t *testing.T) *kyc.Case { return reviewed(t, kyc.Rejected, false) },
			kyc.Decision{Review: 1, Status: kyc.Rejected, Actor: "provider", Reason: "other"}},
		{"repeated final rejection",
			func(t *testing.T) *kyc.Case { return reviewed(t, kyc.Rejected, true) },
			kyc.Decision{Review: 1, Status: kyc.Rejected, Actor: "provider", Reason: "x", Final: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is not an error", func(t *testing.T) {
			c := tt.start(t)
			before := c.Clone()

			got, changed, err := c.Decide(tt.d, laterAt)
			if err != nil || changed {
				t.Errorf("Decide(%+v) = changed %v, error %v; want false, nil", tt.d, changed, err)
			}
			wantUnchanged(t, fmt.Sprintf("Decide(%+v)", tt.d), c, got, before)
		})
	}
}

func TestDecisionInvalid(t *testing.T) {
	tests := []struct {
		name  string
		d     kyc.Decision
		field string
	}{
		{"empty status", kyc.Decision{Actor: "r"}, "decision"},
		{"pending is not a decision", kyc.Decision{Status: kyc.Pending, Actor: "r"}, "decision"},
		{"lower-case status", kyc.Decision{Status: "approved", Actor: "r"}, "decision"},
		{"unknown status", kyc.Decision{Status: "MAYBE", Reason: "x"}, "decision"},
		{"rejection without reason", kyc.Decision{Status: kyc.Rejected, Actor: "r"}, "reason"},
		{"negative review", kyc.Decision{Review: -1, Status: kyc.Approved}, "review"},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is invalid input", func(t *testing.T) {
			check := func(call string, err error) {
				t.Helper()
				fe := fault.As(err)
				if fe == nil || fe.Kind != fault.Invalid || fe.Field != tt.field {
					t.Errorf("%s error = %v, want a fault.Invalid with field %q", call, err, tt.field)
				}
				if errors.Is(err, kyc.ErrTransition) {
					t.Errorf("%s error = %v, want no ErrTransition", call, err)
				}
			}
			check("Check()", tt.d.Check())

			c := submitted(t)
			before := c.Clone()
			got, changed, err := c.Decide(tt.d, laterAt)
			check("Decide", err)
			if changed {
				t.Errorf("Decide(%+v) changed = true, want false", tt.d)
			}
			wantUnchanged(t, "Decide", c, got, before)

			c = kyc.Open("op_1", openedAt)
			before = c.Clone()
			got, err = c.Exempt(tt.d, laterAt)
			check("Exempt", err)
			wantUnchanged(t, "Exempt", c, got, before)
		})
	}
	for _, d := range []kyc.Decision{
		{Status: kyc.Approved},
		{Status: kyc.Rejected, Reason: "r"},
		{Review: 3, Status: kyc.Rejected, Reason: "r", Final: true},
	} {
		t.Run(fmt.Sprintf("decision %+v is valid", d), func(t *testing.T) {
			if err := d.Check(); err != nil {
				t.Errorf("(%+v).Check() = %v, want nil", d, err)
			}
		})
	}
}

func TestExempt(t *testing.T) {
	tests := []struct {
		name string
		d    kyc.Decision
		want func(c *kyc.Case)
	}{
		{"approval without documents is recorded as review 0",
			kyc.Decision{Status: kyc.Approved, Actor: kyc.ActorAutoApprove, Reason: "development"},
			func(c *kyc.Case) {
				c.Status = kyc.Approved
				c.History = append(c.History, kyc.Event{At: decidedAt.UTC(), From: kyc.Pending,
					To: kyc.Approved, Actor: kyc.ActorAutoApprove, Reason: "development"})
			}},
		{"final rejection without documents",
			kyc.Decision{Status: kyc.Rejected, Actor: "dev", Reason: "test", Final: true},
			func(c *kyc.Case) {
				c.Status = kyc.Rejected
				c.RejectionReason = "test"
				c.Final = true
				c.History = append(c.History, kyc.Event{At: decidedAt.UTC(), From: kyc.Pending,
					To: kyc.Rejected, Actor: "dev", Reason: "test", Final: true})
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := kyc.Open("op_1", openedAt)
			before := c.Clone()
			want := c.Clone()
			tt.want(want)
			want.DecidedAt = decidedAt.UTC()

			got, err := c.Exempt(tt.d, decidedAt)
			if err != nil {
				t.Fatalf("Exempt(%+v) error = %v, want nil", tt.d, err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Exempt(%+v) mismatch (-want +got):\n%s", tt.d, diff)
			}
			if diff := cmp.Diff(before, c); diff != "" {
				t.Errorf("Exempt(%+v) changed the original (-want +got):\n%s", tt.d, diff)
			}
		})
	}
}

func TestExemptRefused(t *testing.T) {
	tests := []struct {
		name  string
		start func(t *testing.T) *kyc.Case
	}{
		{"approved case", func(t *testing.T) *kyc.Case { return reviewed(t, kyc.Approved, false) }},
		{"exempt-approved case", func(t *testing.T) *kyc.Case { return exempted(t, kyc.Approved, false) }},
		{"rejected case", func(t *testing.T) *kyc.Case { return reviewed(t, kyc.Rejected, false) }},
		{"exempt-rejected case", func(t *testing.T) *kyc.Case { return exempted(t, kyc.Rejected, false) }},
		{"case with a review open", submitted},
	}
	for _, tt := range tests {
		for _, s := range []kyc.Status{kyc.Approved, kyc.Rejected} {
			t.Run(fmt.Sprintf("%s cannot be exempted to %s", tt.name, s), func(t *testing.T) {
				c := tt.start(t)
				before := c.Clone()
				d := kyc.Decision{Status: s, Actor: "dev", Reason: "second"}

				got, err := c.Exempt(d, laterAt)
				if !errors.Is(err, kyc.ErrTransition) {
					t.Errorf("Exempt(%+v) from %s error = %v, want kyc.ErrTransition", d, before.Status, err)
				}
				if k := fault.KindOf(err); k != fault.Conflict {
					t.Errorf("KindOf(Exempt error) = %v, want %v", k, fault.Conflict)
				}
				wantUnchanged(t, fmt.Sprintf("Exempt(%+v)", d), c, got, before)
			})
		}
	}
}

func TestClone(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(c *kyc.Case)
	}{
		{"changing a history event of the clone", func(c *kyc.Case) {
			c.History[0].Reason = "rewritten"
		}},
		{"appending to the clone's history", func(c *kyc.Case) {
			c.History = append(c.History, kyc.Event{To: kyc.Approved})
		}},
		{"changing the clone's submission", func(c *kyc.Case) {
			c.Submission.Selfie.FileURL = "https://evil.example.com/x"
			c.Submission.ProofOfAddress.IssuedOn.Day = 9
		}},
		{"changing the clone's scalar fields", func(c *kyc.Case) {
			c.Status = kyc.Rejected
			c.Review = 7
			c.ReviewOpen = false
			c.RejectionReason = "x"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name+" leaves the original alone", func(t *testing.T) {
			orig := submitted(t)
			// Spare capacity must not be shared either.
			orig.History = append(make([]kyc.Event, 0, 8), orig.History...)
			docs := documents()
			want := &kyc.Case{
				OperatorID: "op_1", Status: kyc.Pending, Review: 1, ReviewOpen: true,
				Submission: &docs, SubmittedAt: submittedAt.UTC(),
				History: append([]kyc.Event(nil), orig.History...),
			}

			c := orig.Clone()
			if diff := cmp.Diff(want, c); diff != "" {
				t.Fatalf("Clone() mismatch (-want +got):\n%s", diff)
			}
			tt.mutate(c)
			if diff := cmp.Diff(want, orig); diff != "" {
				t.Errorf("original changed through its clone (-want +got):\n%s", diff)
			}
			if spare := orig.History[:len(orig.History)+1]; spare[len(spare)-1] != (kyc.Event{}) {
				t.Errorf("original's spare capacity written through its clone: %+v", spare[len(spare)-1])
			}
		})
	}
	t.Run("clone of a case without submission has none", func(t *testing.T) {
		c := kyc.Open("op_1", openedAt).Clone()
		if c.Submission != nil {
			t.Errorf("Clone().Submission = %+v, want nil", c.Submission)
		}
	})
}

func TestReviewers(t *testing.T) {
	c := submitted(t)

	d, err := kyc.AutoApprove{}.Review(c)
	if err != nil {
		t.Fatalf("AutoApprove.Review error = %v, want nil", err)
	}
	want := &kyc.Decision{Review: 1, Status: kyc.Approved, Actor: kyc.ActorAutoApprove,
		Reason: "approved automatically in development"}
	if diff := cmp.Diff(want, d); diff != "" {
		t.Errorf("AutoApprove.Review mismatch (-want +got):\n%s", diff)
	}
	got, changed, err := c.Decide(*d, decidedAt)
	if err != nil || !changed || got.Status != kyc.Approved {
		t.Errorf("Decide(AutoApprove decision) = %v, %v, %v; want APPROVED, true, nil",
			got.Status, changed, err)
	}

	d, err = kyc.Manual{}.Review(c)
	if d != nil || err != nil {
		t.Errorf("Manual.Review = %+v, %v; want nil, nil", d, err)
	}
}
