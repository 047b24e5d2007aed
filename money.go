package humop

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/humop/humop/idempotency"
	"github.com/humop/humop/ledger"
	"github.com/humop/humop/task"
)

// PayoutProcessor sends payouts on chain. It is called after a payout is
// stored, outside any transaction; the outcome comes back later through
// Service.SettlePayout.
type PayoutProcessor interface {
	Submit(p ledger.Payout) error
}

// credit records a finished task in the same transaction as its move:
// completed work credits the reward (on hold) and scores its quality; a
// dispute scores 1 and credits nothing. The operator's rating follows.
func (s *Service) credit(tx Tx, t *task.Task, now time.Time) error {
	if t.OperatorID == "" {
		return fmt.Errorf("humop: credit %s: the task has no holder", t.ID)
	}
	sum, err := tx.Ledger().Summary(t.OperatorID)
	if err != nil {
		return err
	}
	if t.Status == task.Completed {
		e, err := ledger.Earning(ledger.EntryIDPrefix+s.newID(), t.OperatorID, t.ID, t.Reward, now, s.hold)
		if err != nil {
			return err
		}
		if sum, err = sum.Apply(e, now); err != nil {
			return err
		}
		if err := tx.Ledger().Append(e); err != nil {
			return err
		}
	}
	if sum, err = sum.AddScore(t.Quality); err != nil {
		return err
	}
	if err := tx.Ledger().PutSummary(sum); err != nil {
		return err
	}
	op, err := tx.Operators().Get(t.OperatorID)
	if err != nil {
		return err
	}
	op.Rating = sum.Rating()
	return tx.Operators().Replace(op)
}

// Earnings are an operator's balances and most recent finished tasks.
type Earnings struct {
	Balances ledger.Balances
	Recent   []*task.Task // COMPLETED or DISPUTED, newest first, at most 10
}

// Earnings returns the operator's balances at the Service's current time
// and their most recent finished tasks.
func (s *Service) Earnings(ctx context.Context, operatorID string) (*Earnings, error) {
	var out *Earnings
	err := s.store.View(ctx, func(tx Tx) error {
		if _, err := tx.Operators().Get(operatorID); err != nil {
			return err
		}
		sum, err := tx.Ledger().Summary(operatorID)
		if err != nil {
			return err
		}
		out = &Earnings{Balances: sum.Balances(s.Now())}
		held, _, err := tx.Tasks().ListByOperator(operatorID, 0, task.MaxLimit)
		if err != nil {
			return err
		}
		for _, t := range held {
			if (t.Status == task.Completed || t.Status == task.Disputed) && len(out.Recent) < 10 {
				out.Recent = append(out.Recent, t)
			}
		}
		return nil
	})
	return out, err
}

// IdempotencyKey is a client's Idempotency-Key with the fingerprint of the
// request it came with (see idempotency.Fingerprint).
type IdempotencyKey struct {
	Key         string
	Fingerprint [32]byte
}

// idempotent runs fn in one transaction with the key's check: a new key
// runs fn and stores its result with the key; the same key with the same
// request within 24 hours returns the stored result without running fn
// (replayed); the same key with another request is idempotency.ErrKeyReused;
// a key whose first request is still running in this process is
// idempotency.ErrInFlight. A nil key just runs fn.
func idempotent[T any](ctx context.Context, s *Service, scope string, ik *IdempotencyKey, fn func(Tx) (T, error)) (out T, replayed bool, err error) {
	if ik == nil {
		err = s.store.Update(ctx, func(tx Tx) error {
			out, err = fn(tx)
			return err
		})
		return out, false, err
	}
	if err := idempotency.ValidKey(ik.Key); err != nil {
		return out, false, err
	}
	done, err := s.inFlight.Begin(scope, ik.Key)
	if err != nil {
		return out, false, err
	}
	defer done()
	s.sweepKeys(ctx)
	err = s.store.Update(ctx, func(tx Tx) error {
		var zero T
		out, replayed = zero, false // a batched store may run this twice
		now := s.Now()
		rec, err := tx.Idempotency().Get(scope, ik.Key)
		if err != nil {
			return err
		}
		outcome, err := idempotency.Decide(rec, ik.Fingerprint, now)
		if err != nil {
			return err
		}
		if outcome == idempotency.Replay {
			replayed = true
			return json.Unmarshal(rec.Result, &out)
		}
		if out, err = fn(tx); err != nil {
			return err
		}
		result, err := json.Marshal(out)
		if err != nil {
			return err
		}
		return tx.Idempotency().Put(idempotency.NewRecord(scope, ik.Key, ik.Fingerprint, 201, result, now))
	})
	return out, replayed, err
}

// sweepKeys removes expired idempotency records, at most once an hour.
func (s *Service) sweepKeys(ctx context.Context) {
	now := s.Now()
	last := s.swept.Load()
	if now.Unix()-last < 3600 || !s.swept.CompareAndSwap(last, now.Unix()) {
		return
	}
	var n int
	err := s.store.Update(ctx, func(tx Tx) error {
		var err error
		n, err = tx.Idempotency().DeleteExpired(now)
		return err
	})
	if err != nil {
		s.log.Error().Err(err).Msg("sweeping expired idempotency keys failed")
		return
	}
	if n > 0 {
		s.log.Info().Int("removed", n).Msg("expired idempotency keys removed")
	}
}

// RequestPayout takes amount out of the operator's available balance at
// once and records a payout, PENDING_ONCHAIN. The balance check is an
// explicit available >= amount inside the transaction that debits it, so
// concurrent payouts can never overdraw. With a key, a retry of the same
// request replays the first payout and changes nothing (replayed is true).
//
// Errors: a fault.Invalid naming the field (method, chain, wallet_address);
// ledger.ErrBelowMinimum (422); ledger.ErrInsufficientFunds (402);
// idempotency errors (409, 422).
func (s *Service) RequestPayout(ctx context.Context, operatorID string, req ledger.PayoutRequest, ik *IdempotencyKey) (p ledger.Payout, replayed bool, err error) {
	if err := req.Check(s.gasFee); err != nil {
		return p, false, err
	}
	p, replayed, err = idempotent(ctx, s, "operator:"+operatorID, ik, func(tx Tx) (ledger.Payout, error) {
		now := s.Now()
		if _, err := tx.Operators().Get(operatorID); err != nil {
			return ledger.Payout{}, err
		}
		sum, err := tx.Ledger().Summary(operatorID)
		if err != nil {
			return ledger.Payout{}, err
		}
		if err := ledger.CheckFunds(sum.Balances(now), req.Amount); err != nil {
			return ledger.Payout{}, err
		}
		p, err := ledger.NewPayout(req, ledger.PayoutIDPrefix+s.newID(), operatorID, s.gasFee, now)
		if err != nil {
			return p, err
		}
		e, err := ledger.PayoutDebit(ledger.EntryIDPrefix+s.newID(), p, now)
		if err != nil {
			return p, err
		}
		if sum, err = sum.Apply(e, now); err != nil {
			return p, err
		}
		if err := tx.Ledger().InsertPayout(p); err != nil {
			return p, err
		}
		if err := tx.Ledger().Append(e); err != nil {
			return p, err
		}
		return p, tx.Ledger().PutSummary(sum)
	})
	if err != nil || replayed {
		return p, replayed, err
	}
	s.log.Info().Str("operator_id", operatorID).Str("payout_id", p.ID).
		Int64("amount_cents", int64(p.Amount)).Msg("payout requested")
	if s.payouts != nil {
		if err := s.payouts.Submit(p); err != nil {
			s.log.Error().Err(err).Str("payout_id", p.ID).Msg("payout processor refused; the payout stays pending")
		}
	}
	return p, false, nil
}

// Payouts lists the operator's payouts, newest first.
func (s *Service) Payouts(ctx context.Context, operatorID string, page task.Page) ([]ledger.Payout, int, error) {
	if err := page.Check(); err != nil {
		return nil, 0, err
	}
	var out []ledger.Payout
	var total int
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		out, total, err = tx.Ledger().Payouts(operatorID, page.Offset, page.Limit)
		return err
	})
	return out, total, err
}

// SettlePayout records a payout's outcome: confirmed on chain with its
// transaction hash, or failed, which returns the amount to the operator's
// available balance at once (a reversal entry, never behind a new hold).
// An empty txHash on confirmation gets a random one, for development.
func (s *Service) SettlePayout(ctx context.Context, payoutID string, confirmed bool, txHash, reason string) (ledger.Payout, error) {
	if confirmed && txHash == "" {
		var b [32]byte
		rand.Read(b[:])
		txHash = "0x" + hex.EncodeToString(b[:])
	}
	var out ledger.Payout
	err := s.store.Update(ctx, func(tx Tx) error {
		now := s.Now()
		p, err := tx.Ledger().Payout(payoutID)
		if err != nil {
			return err
		}
		if confirmed {
			if out, err = p.Confirm(txHash, now); err != nil {
				return err
			}
			return tx.Ledger().ReplacePayout(out)
		}
		if reason == "" {
			reason = "the transaction failed"
		}
		if out, err = p.Fail(reason, now); err != nil {
			return err
		}
		e, err := ledger.PayoutReversal(ledger.EntryIDPrefix+s.newID(), out, now)
		if err != nil {
			return err
		}
		sum, err := tx.Ledger().Summary(p.OperatorID)
		if err != nil {
			return err
		}
		if sum, err = sum.Apply(e, now); err != nil {
			return err
		}
		if err := tx.Ledger().ReplacePayout(out); err != nil {
			return err
		}
		if err := tx.Ledger().Append(e); err != nil {
			return err
		}
		return tx.Ledger().PutSummary(sum)
	})
	if err != nil {
		return out, err
	}
	s.log.Info().Str("payout_id", payoutID).Str("status", string(out.Status)).Msg("payout settled")
	return out, nil
}

// Adjust appends an adjustment to the operator's ledger: a positive amount
// is available at once and counts as earned; a negative one is a clawback
// from the available balance (refused when it would overdraw). memo says
// why, for the audit trail.
func (s *Service) Adjust(ctx context.Context, operatorID string, amount ledger.Cents, memo string) (ledger.Balances, error) {
	var b ledger.Balances
	err := s.store.Update(ctx, func(tx Tx) error {
		now := s.Now()
		if _, err := tx.Operators().Get(operatorID); err != nil {
			return err
		}
		e, err := ledger.Adjustment(ledger.EntryIDPrefix+s.newID(), operatorID, amount, memo, now)
		if err != nil {
			return err
		}
		sum, err := tx.Ledger().Summary(operatorID)
		if err != nil {
			return err
		}
		if sum, err = sum.Apply(e, now); err != nil {
			return err
		}
		if err := tx.Ledger().Append(e); err != nil {
			return err
		}
		b = sum.Balances(now)
		return tx.Ledger().PutSummary(sum)
	})
	if err != nil {
		return b, err
	}
	s.log.Info().Str("operator_id", operatorID).Int64("amount_cents", int64(amount)).Msg("ledger adjusted")
	return b, nil
}
