// Package humop is the operator side of a marketplace where AI agents post
// tasks and verified humans, the operators, do them.
//
// A Service runs the use cases (register an operator, read and change a
// profile, and more as the domain grows) against a Store. Each use case is
// one storage transaction: it either happens whole or writes nothing. The
// rules themselves live in the domain packages (operator, skills, kyc); the
// Service composes them, and the adapters (memstore, boltstore) keep the
// data. Package httpapi serves a Service over HTTP; package devserver wires
// everything for local development.
package humop

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/oklog/ulid/v2"
	"github.com/rs/zerolog"

	"github.com/humop/humop/agent"
	"github.com/humop/humop/idempotency"
	"github.com/humop/humop/kyc"
	"github.com/humop/humop/ledger"
	"github.com/humop/humop/operator"
	"github.com/humop/humop/task"
)

// Store runs transactions. It is implemented by the adapters (memstore,
// boltstore) and must be safe for concurrent use.
//
// Update runs fn in a read-write transaction and commits it when fn returns
// nil; when fn returns an error nothing fn wrote is kept, and that error is
// returned. View runs fn in a read-only transaction. Adapters may run fn more
// than once (for example to batch commits), so fn must have no effect outside
// the transaction.
type Store interface {
	View(ctx context.Context, fn func(Tx) error) error
	Update(ctx context.Context, fn func(Tx) error) error
}

// Tx hands out the domain stores bound to one transaction. The stores are
// valid only while the function given to View or Update runs.
type Tx interface {
	Operators() operator.Store
	KYC() kyc.Store
	Agents() agent.Store
	Tasks() task.Store
	Ledger() ledger.Store
	Idempotency() idempotency.Store
	Outbox() task.Outbox
}

// Options configure a Service. The zero value of every field but Store has a
// sensible default.
type Options struct {
	// Store keeps the data. Required.
	Store Store
	// Now returns the current time. Default: time.Now.
	Now func() time.Time
	// NewID returns a new unique, time-ordered id without prefix.
	// Default: a ULID from ulid.Make.
	NewID func() string
	// Reviewer decides KYC submissions. Default: kyc.Manual, which leaves
	// reviews open until a decision is recorded with DecideKYC.
	Reviewer kyc.Reviewer
	// ApproveAtRegistration approves every new operator's KYC at
	// registration, without documents. For development servers only: it
	// is the one way to APPROVED that skips a review, and the history of
	// each case it approves says so.
	ApproveAtRegistration bool
	// Hold is how long an earning stays pending before it can be paid
	// out. Default: DefaultHold.
	Hold time.Duration
	// GasFee is taken from every payout. Default (zero):
	// ledger.DefaultGasFee. A negative fee is refused.
	GasFee ledger.Cents
	// Payouts sends payouts on chain. Default: none, so payouts stay
	// PENDING_ONCHAIN until SettlePayout records their outcome.
	Payouts PayoutProcessor
	// Guardian checks submitted work. Default: none, so submitted tasks
	// wait for RecordGuardianOutcome.
	Guardian Guardian
	// Notifier hears of every task status change once it is committed.
	// Default: none.
	Notifier Notifier
	// Logger receives one info line per use case that changed something.
	// Default: the zero Logger, which writes nothing.
	Logger zerolog.Logger
}

// Service runs humop's use cases. It is safe for concurrent use.
type Service struct {
	store    Store
	now      func() time.Time
	newID    func() string
	reviewer kyc.Reviewer
	approve  bool
	guardian Guardian
	notifier Notifier
	hold     time.Duration
	gasFee   ledger.Cents
	payouts  PayoutProcessor
	inFlight idempotency.InFlight
	// taskLocks order the moves of each task with their announcements.
	taskLocks [64]sync.Mutex
	swept     atomic.Int64 // unix seconds of the last sweep of expired keys
	log       zerolog.Logger
}

// DefaultHold is how long earnings stay pending unless Options.Hold says.
const DefaultHold = 7 * 24 * time.Hour

// New returns a Service with the given options.
func New(opts Options) (*Service, error) {
	if opts.Store == nil {
		return nil, errors.New("humop: Options.Store is required")
	}
	s := &Service{
		store:    opts.Store,
		now:      opts.Now,
		newID:    opts.NewID,
		reviewer: opts.Reviewer,
		approve:  opts.ApproveAtRegistration,
		guardian: opts.Guardian,
		notifier: opts.Notifier,
		hold:     opts.Hold,
		gasFee:   opts.GasFee,
		payouts:  opts.Payouts,
		log:      opts.Logger,
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.newID == nil {
		s.newID = func() string { return ulid.Make().String() }
	}
	if s.reviewer == nil {
		s.reviewer = kyc.Manual{}
	}
	if s.hold < 0 {
		return nil, errors.New("humop: Options.Hold must not be negative")
	}
	if s.hold == 0 {
		s.hold = DefaultHold
	}
	if s.gasFee < 0 {
		return nil, errors.New("humop: Options.GasFee must not be negative")
	}
	if s.gasFee == 0 {
		s.gasFee = ledger.DefaultGasFee
	}
	return s, nil
}

// Now returns the Service's current time.
func (s *Service) Now() time.Time { return s.now().UTC() }

// Profile is an operator as the operator sees themselves: the profile, the
// KYC standing and the money.
type Profile struct {
	Operator  operator.Operator
	KYCStatus kyc.Status
	// Balances in cents.
	PendingCents     int64
	AvailableCents   int64
	TotalEarnedCents int64
	CompletedTasks   int
}

// RegisterOperator checks r and creates the operator with its KYC case,
// pending (or approved, with Options.ApproveAtRegistration). A non-empty
// subject links the operator to that signed-in identity.
//
// Errors: a *fault.Error of kind Invalid naming the field,
// operator.ErrEmailTaken, operator.ErrSubjectTaken.
func (s *Service) RegisterOperator(ctx context.Context, r operator.Registration, subject string) (*Profile, error) {
	now := s.Now()
	op, err := operator.New(r, operator.IDPrefix+s.newID(), now)
	if err != nil {
		return nil, err
	}
	op.Subject = subject

	var p *Profile
	err = s.store.Update(ctx, func(tx Tx) error {
		if err := tx.Operators().Insert(op); err != nil {
			return err
		}
		c := kyc.Open(op.ID, now)
		if s.approve {
			var err error
			c, err = c.Exempt(kyc.Decision{Status: kyc.Approved, Actor: kyc.ActorAutoApprove,
				Reason: "approved at registration in development; no documents reviewed"}, now)
			if err != nil {
				return err
			}
		}
		if err := tx.KYC().Put(c); err != nil {
			return err
		}
		p = &Profile{Operator: *op, KYCStatus: c.Status}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.log.Info().Str("operator_id", op.ID).Str("email", MaskEmail(op.Email)).
		Str("kyc_status", string(p.KYCStatus)).Msg("operator registered")
	return p, nil
}

// Operator returns the profile of the operator with the id, or
// operator.ErrNotFound.
func (s *Service) Operator(ctx context.Context, id string) (*Profile, error) {
	var p *Profile
	err := s.store.View(ctx, func(tx Tx) error {
		op, err := tx.Operators().Get(id)
		if err != nil {
			return err
		}
		p, err = s.profile(tx, op)
		return err
	})
	return p, err
}

// OperatorBySubject returns the profile of the operator linked to a
// signed-in identity, or operator.ErrNotFound.
func (s *Service) OperatorBySubject(ctx context.Context, subject string) (*Profile, error) {
	var p *Profile
	err := s.store.View(ctx, func(tx Tx) error {
		op, err := tx.Operators().BySubject(subject)
		if err != nil {
			return err
		}
		p, err = s.profile(tx, op)
		return err
	})
	return p, err
}

// OperatorID returns the id of the operator linked to a signed-in
// identity, or operator.ErrNotFound. Unlike OperatorBySubject it reads the
// operator alone, for authenticating a request.
func (s *Service) OperatorID(ctx context.Context, subject string) (string, error) {
	var id string
	err := s.store.View(ctx, func(tx Tx) error {
		op, err := tx.Operators().BySubject(subject)
		if err == nil {
			id = op.ID
		}
		return err
	})
	return id, err
}

// OperatorExists returns nil when an operator has the id, else
// operator.ErrNotFound.
func (s *Service) OperatorExists(ctx context.Context, id string) error {
	return s.store.View(ctx, func(tx Tx) error {
		_, err := tx.Operators().Get(id)
		return err
	})
}

// UpdateOperator applies u to the operator's profile and returns the new
// profile. Invalid input changes nothing.
func (s *Service) UpdateOperator(ctx context.Context, id string, u operator.Update) (*Profile, error) {
	var p *Profile
	err := s.store.Update(ctx, func(tx Tx) error {
		op, err := tx.Operators().Get(id)
		if err != nil {
			return err
		}
		if u.IsZero() {
			p, err = s.profile(tx, op)
			return err
		}
		next, err := u.Apply(op, s.Now())
		if err != nil {
			return err
		}
		if err := tx.Operators().Replace(next); err != nil {
			return err
		}
		p, err = s.profile(tx, next)
		return err
	})
	if err != nil {
		return nil, err
	}
	if !u.IsZero() {
		s.log.Info().Str("operator_id", id).Msg("operator updated")
	}
	return p, nil
}

// LinkSubject links a signed-in identity to an operator that has none and
// returns the operator's subject: the existing one when it already has one,
// else subject. Linking a subject that another operator holds is
// operator.ErrSubjectTaken.
func (s *Service) LinkSubject(ctx context.Context, operatorID, subject string) (string, error) {
	var linked string
	err := s.store.Update(ctx, func(tx Tx) error {
		op, err := tx.Operators().Get(operatorID)
		if err != nil {
			return err
		}
		if op.Subject != "" {
			linked = op.Subject
			return nil
		}
		op.Subject = subject
		op.UpdatedAt = s.Now()
		linked = subject
		return tx.Operators().Replace(op)
	})
	return linked, err
}

func (s *Service) profile(tx Tx, op *operator.Operator) (*Profile, error) {
	c, err := tx.KYC().Get(op.ID)
	if err != nil {
		return nil, fmt.Errorf("humop: kyc case of %s: %w", op.ID, err)
	}
	sum, err := tx.Ledger().Summary(op.ID)
	if err != nil {
		return nil, err
	}
	b := sum.Balances(s.Now())
	return &Profile{
		Operator:         *op,
		KYCStatus:        c.Status,
		PendingCents:     int64(b.Pending),
		AvailableCents:   int64(b.Available),
		TotalEarnedCents: int64(b.TotalEarned),
		CompletedTasks:   sum.Completed,
	}, nil
}

// MaskEmail hides most of an email address for logs: "maria@example.com"
// becomes "m***@example.com".
func MaskEmail(email string) string {
	at := strings.LastIndexByte(email, '@')
	if at <= 0 {
		return "***"
	}
	_, n := utf8.DecodeRuneInString(email)
	return email[:n] + "***" + email[at:]
}
