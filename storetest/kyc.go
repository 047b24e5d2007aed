package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/humop/humop"
	"github.com/humop/humop/kyc"
	"github.com/humop/humop/operator"
)

var kycChecks = []check{
	{"case reads back with its full history", testCaseRoundTrip},
	{"operator without a case is ErrNotFound", testCaseNotFound},
	{"put replaces the previous case", testCaseReplace},
	{"changing a returned case does not change the store", testCaseCopyOut},
	{"changing a put case afterwards does not change the store", testCaseCopyIn},
}

// newCase returns an approved case of an operator whose first submission
// was rejected, so that every field of a case and an event is used.
func newCase(operatorID string) *kyc.Case {
	return &kyc.Case{
		OperatorID:  operatorID,
		Status:      kyc.Approved,
		Review:      2,
		Submission:  newSubmission(),
		SubmittedAt: stamp.Add(2*time.Hour + 3),
		DecidedAt:   stamp.Add(3*time.Hour + 5),
		History: []kyc.Event{
			{At: stamp, To: kyc.Pending, Actor: kyc.ActorSystem, Reason: "operator registered"},
			{At: stamp.Add(time.Hour + 1), From: kyc.Pending, To: kyc.Rejected, Actor: "reviewer-7",
				Reason: "document unreadable", Review: 1},
			{At: stamp.Add(2*time.Hour + 3), From: kyc.Rejected, To: kyc.Pending, Actor: operatorID, Review: 2},
			{At: stamp.Add(3*time.Hour + 5), From: kyc.Pending, To: kyc.Approved, Actor: "reviewer-7",
				Reason: "matches", Review: 2},
		},
	}
}

// newSubmission returns a complete submission.
func newSubmission() *kyc.Submission {
	return &kyc.Submission{
		IDDocument: kyc.IDDocument{Type: kyc.Passport, Country: "PT",
			FileURL: "https://files.example.com/id/1.jpg"},
		Selfie: kyc.Selfie{FileURL: "https://files.example.com/selfie/1.jpg"},
		ProofOfAddress: kyc.AddressProof{Type: kyc.UtilityBill,
			IssuedOn: kyc.Date{Year: 2025, Month: time.February, Day: 28},
			FileURL:  "https://files.example.com/poa/1.pdf"},
	}
}

// newOpenReviewCase returns a case waiting for the decision on its first
// submission.
func newOpenReviewCase(operatorID string) *kyc.Case {
	return &kyc.Case{
		OperatorID:  operatorID,
		Status:      kyc.Pending,
		Review:      1,
		ReviewOpen:  true,
		Submission:  newSubmission(),
		SubmittedAt: stamp.Add(time.Minute),
		History: []kyc.Event{
			{At: stamp, To: kyc.Pending, Actor: kyc.ActorSystem, Reason: "operator registered"},
			{At: stamp.Add(time.Minute), From: kyc.Pending, To: kyc.Pending, Actor: operatorID, Review: 1},
		},
	}
}

// newRejectedCase returns a case rejected for good.
func newRejectedCase(operatorID string) *kyc.Case {
	return &kyc.Case{
		OperatorID:      operatorID,
		Status:          kyc.Rejected,
		DecidedAt:       stamp.Add(time.Minute + 9),
		RejectionReason: "document forged",
		Final:           true,
		History: []kyc.Event{
			{At: stamp, To: kyc.Pending, Actor: kyc.ActorSystem, Reason: "operator registered"},
			{At: stamp.Add(time.Minute + 9), From: kyc.Pending, To: kyc.Rejected, Actor: "reviewer-7",
				Reason: "document forged", Final: true},
		},
	}
}

// caseOpts compare cases; an empty history may come back nil.
var caseOpts = cmp.Options{cmpopts.EquateEmpty()}

// putCase puts c in an Update.
func putCase(t *testing.T, st humop.Store, c *kyc.Case) {
	t.Helper()
	update(t, st, func(tx humop.Tx) error { return tx.KYC().Put(c) })
}

// getCase reads one case in a View.
func getCase(st humop.Store, operatorID string) (*kyc.Case, error) {
	var c *kyc.Case
	err := st.View(context.Background(), func(tx humop.Tx) error {
		var err error
		c, err = tx.KYC().Get(operatorID)
		return err
	})
	return c, err
}

// mustGetCase reads one case and fails the test when it cannot.
func mustGetCase(t *testing.T, st humop.Store, operatorID string) *kyc.Case {
	t.Helper()
	c, err := getCase(st, operatorID)
	if err != nil {
		t.Fatalf("KYC().Get(%s) = %v, want the case", operatorID, err)
	}
	return c
}

func testCaseRoundTrip(t *testing.T, st humop.Store) {
	for _, want := range []*kyc.Case{
		newCase(newID()),
		newRejectedCase(newID()),
		newOpenReviewCase(newID()),
		kyc.Open(newID(), stamp),
	} {
		putCase(t, st, want)
		if diff := cmp.Diff(want, mustGetCase(t, st, want.OperatorID), caseOpts); diff != "" {
			t.Errorf("Get after Put of a %s case (-want +got):\n%s", want.Status, diff)
		}
	}
}

func testCaseNotFound(t *testing.T, st humop.Store) {
	known := newID()
	putCase(t, st, newCase(known))

	for _, id := range []string{newID(), "", operator.IDPrefix, "op_not-a-ulid", known[len(operator.IDPrefix):]} {
		if _, err := getCase(st, id); !errors.Is(err, kyc.ErrNotFound) {
			t.Errorf("KYC().Get(%q) = %v, want ErrNotFound", id, err)
		}
	}
}

func testCaseReplace(t *testing.T, st humop.Store) {
	id := newID()
	putCase(t, st, kyc.Open(id, stamp))
	want := newCase(id)
	putCase(t, st, want)

	if diff := cmp.Diff(want, mustGetCase(t, st, id), caseOpts); diff != "" {
		t.Errorf("Get after second Put (-want +got):\n%s", diff)
	}
}

func testCaseCopyOut(t *testing.T, st humop.Store) {
	want := newCase(newID())
	putCase(t, st, want.Clone())

	got := mustGetCase(t, st, want.OperatorID)
	got.Status = kyc.Rejected
	got.History[0].Reason = "changed"
	got.Submission.Selfie.FileURL = "https://changed.example.com/"
	got.History = append(got.History, kyc.Event{To: kyc.Pending})

	if diff := cmp.Diff(want, mustGetCase(t, st, want.OperatorID), caseOpts); diff != "" {
		t.Errorf("Get after changing a returned case (-want +got):\n%s", diff)
	}
}

func testCaseCopyIn(t *testing.T, st humop.Store) {
	want := newCase(newID())
	c := want.Clone()
	putCase(t, st, c)
	c.Status = kyc.Rejected
	c.History[1].Actor = "changed"
	c.Submission.IDDocument.Country = "XX"

	if diff := cmp.Diff(want, mustGetCase(t, st, want.OperatorID), caseOpts); diff != "" {
		t.Errorf("Get after changing the put case (-want +got):\n%s", diff)
	}
}
