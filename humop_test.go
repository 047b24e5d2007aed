package humop_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/humop/humop"
	"github.com/humop/humop/fault"
	"github.com/humop/humop/kyc"
	"github.com/humop/humop/memstore"
	"github.com/humop/humop/operator"
)

var now0 = time.Date(2026, 4, 2, 12, 0, 0, 0, time.UTC)

func newService(t *testing.T, opts humop.Options) *humop.Service {
	t.Helper()
	if opts.Store == nil {
		opts.Store = &memstore.Store{}
	}
	if opts.Now == nil {
		opts.Now = func() time.Time { return now0 }
	}
	svc, err := humop.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

func register(t *testing.T, svc *humop.Service, email string) string {
	t.Helper()
	p, err := svc.RegisterOperator(context.Background(), operator.Registration{Name: "Op", Email: email}, "")
	if err != nil {
		t.Fatalf("RegisterOperator(%s) = %v", email, err)
	}
	return p.Operator.ID
}

func raw() kyc.RawSubmission {
	return kyc.RawSubmission{
		IDDocument:     &kyc.RawDocument{Type: "DRIVERS_LICENSE", Country: "US", FileURL: "https://f.example.com/id"},
		Selfie:         &kyc.RawDocument{FileURL: "https://f.example.com/selfie"},
		ProofOfAddress: &kyc.RawDocument{Type: "UTILITY_BILL", IssuedOn: "2026-03-30", FileURL: "https://f.example.com/poa"},
	}
}

func TestNewNeedsAStore(t *testing.T) {
	if _, err := humop.New(humop.Options{}); err == nil {
		t.Error("New without a store succeeded")
	}
}

func TestRegisterOperatorFailsWhole(t *testing.T) {
	svc := newService(t, humop.Options{})
	ctx := context.Background()
	register(t, svc, "a@example.com")
	_, err := svc.RegisterOperator(ctx, operator.Registration{Name: "B", Email: " A@EXAMPLE.com"}, "user_b")
	if !errors.Is(err, operator.ErrEmailTaken) {
		t.Fatalf("duplicate email: %v, want ErrEmailTaken", err)
	}
	// The refused registration did not link its subject.
	if _, err := svc.OperatorBySubject(ctx, "user_b"); !errors.Is(err, operator.ErrNotFound) {
		t.Errorf("OperatorBySubject after a refused registration = %v, want ErrNotFound", err)
	}
	_, err = svc.RegisterOperator(ctx, operator.Registration{Name: "", Email: "c@example.com"}, "")
	if fe := fault.As(err); fe == nil || fe.Kind != fault.Invalid || fe.Field != "name" {
		t.Errorf("empty name: %v, want an Invalid error about name", err)
	}
}

func TestUpdateOperator(t *testing.T) {
	svc := newService(t, humop.Options{})
	ctx := context.Background()
	id := register(t, svc, "a@example.com")
	name := "New Name"
	p, err := svc.UpdateOperator(ctx, id, operator.Update{Name: &name})
	if err != nil || p.Operator.Name != name {
		t.Fatalf("UpdateOperator = %+v, %v", p, err)
	}
	bad := "x"
	if _, err := svc.UpdateOperator(ctx, id, operator.Update{Phone: &bad}); fault.KindOf(err) != fault.Invalid {
		t.Errorf("bad phone: %v, want Invalid", err)
	}
	if _, err := svc.UpdateOperator(ctx, "op_missing", operator.Update{Name: &name}); !errors.Is(err, operator.ErrNotFound) {
		t.Errorf("unknown operator: %v, want ErrNotFound", err)
	}
}

// laterReviewer remembers the cases it was asked about and decides nothing.
type laterReviewer struct{ seen []int }

func (r *laterReviewer) Review(c *kyc.Case) (*kyc.Decision, error) {
	r.seen = append(r.seen, c.Review)
	return nil, nil
}

func TestAsynchronousReviewerDecidesLater(t *testing.T) {
	rev := &laterReviewer{}
	svc := newService(t, humop.Options{Reviewer: rev})
	ctx := context.Background()
	id := register(t, svc, "a@example.com")

	c, err := svc.SubmitKYC(ctx, id, raw())
	if err != nil || c.Status != kyc.Pending || c.Review != 1 {
		t.Fatalf("SubmitKYC = %+v, %v", c, err)
	}
	if _, err := svc.DecideKYC(ctx, id, kyc.Decision{Review: 1, Status: kyc.Rejected, Reason: "blurry", Actor: "p"}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SubmitKYC(ctx, id, raw()); err != nil {
		t.Fatal(err)
	}
	// The provider's answers arrive: round 2 first, then a late, contrary
	// answer about round 1, then round 2 again.
	steps := []struct {
		d       kyc.Decision
		wantErr error
	}{
		{kyc.Decision{Review: 2, Status: kyc.Approved, Actor: "p"}, nil},
		{kyc.Decision{Review: 1, Status: kyc.Approved, Actor: "p"}, kyc.ErrStale},
		{kyc.Decision{Review: 2, Status: kyc.Approved, Actor: "p"}, nil},
		{kyc.Decision{Review: 2, Status: kyc.Rejected, Reason: "x", Actor: "p"}, kyc.ErrAlreadyDecided},
		{kyc.Decision{Review: 3, Status: kyc.Rejected, Reason: "x", Actor: "p"}, kyc.ErrStale},
	}
	for _, st := range steps {
		_, err := svc.DecideKYC(ctx, id, st.d)
		if !errors.Is(err, st.wantErr) && !(err == nil && st.wantErr == nil) {
			t.Errorf("DecideKYC(%+v) = %v, want %v", st.d, err, st.wantErr)
		}
	}
	c, err = svc.KYC(ctx, id)
	if err != nil || c.Status != kyc.Approved {
		t.Fatalf("KYC = %+v, %v; want APPROVED", c, err)
	}
	if len(c.History) != 5 {
		t.Errorf("history has %d events, want 5: %+v", len(c.History), c.History)
	}
	if diff := cmp.Diff([]int{1, 2}, rev.seen); diff != "" {
		t.Errorf("reviews handed to the reviewer (-want +got):\n%s", diff)
	}
}

type failingReviewer struct{}

func (failingReviewer) Review(*kyc.Case) (*kyc.Decision, error) {
	return nil, errors.New("provider unreachable")
}

func TestReviewerFailureKeepsTheSubmission(t *testing.T) {
	svc := newService(t, humop.Options{Reviewer: failingReviewer{}})
	ctx := context.Background()
	id := register(t, svc, "a@example.com")
	if _, err := svc.SubmitKYC(ctx, id, raw()); err != nil {
		t.Fatalf("SubmitKYC with a failing reviewer = %v, want the submission kept", err)
	}
	c, _ := svc.KYC(ctx, id)
	if !c.ReviewOpen || c.Submission == nil {
		t.Errorf("case after a reviewer failure: %+v, want an open review", c)
	}
}

func TestAutoApproveReviewerApprovesASubmission(t *testing.T) {
	svc := newService(t, humop.Options{Reviewer: kyc.AutoApprove{}})
	ctx := context.Background()
	id := register(t, svc, "a@example.com")
	p, _ := svc.Operator(ctx, id)
	if p.KYCStatus != kyc.Pending {
		t.Fatalf("without ApproveAtRegistration the new operator is %s, want PENDING", p.KYCStatus)
	}
	if _, err := svc.SubmitKYC(ctx, id, raw()); err != nil {
		t.Fatal(err)
	}
	p, _ = svc.Operator(ctx, id)
	if p.KYCStatus != kyc.Approved {
		t.Errorf("after submission with AutoApprove: %s, want APPROVED", p.KYCStatus)
	}
}

func TestApproveAtRegistrationIsRecorded(t *testing.T) {
	svc := newService(t, humop.Options{ApproveAtRegistration: true})
	ctx := context.Background()
	id := register(t, svc, "a@example.com")
	c, err := svc.KYC(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	want := []kyc.Event{
		{At: now0, To: kyc.Pending, Actor: kyc.ActorSystem, Reason: "operator registered"},
		{At: now0, From: kyc.Pending, To: kyc.Approved, Actor: kyc.ActorAutoApprove,
			Reason: "approved at registration in development; no documents reviewed"},
	}
	if diff := cmp.Diff(want, c.History); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
}
