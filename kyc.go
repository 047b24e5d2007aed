package humop

import (
	"context"

	"github.com/humop/humop/kyc"
)

// KYC returns the operator's verification case, or operator.ErrNotFound.
func (s *Service) KYC(ctx context.Context, operatorID string) (*kyc.Case, error) {
	var c *kyc.Case
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		c, err = s.kycCase(tx, operatorID)
		return err
	})
	return c, err
}

// kycCase returns the case of an existing operator.
func (s *Service) kycCase(tx Tx, operatorID string) (*kyc.Case, error) {
	if _, err := tx.Operators().Get(operatorID); err != nil {
		return nil, err
	}
	return tx.KYC().Get(operatorID)
}

// SubmitKYC checks the operator's documents and opens a review. The
// reviewer is asked for a decision after the submission is stored; a
// decision it gives at once is applied before SubmitKYC returns, so the case
// returned is the one stored at submission (PENDING) and KYC shows any
// decision since.
//
// Errors: a fault.Invalid naming the field, kyc.ErrProofTooOld,
// kyc.ErrReviewOpen, kyc.ErrAlreadyApproved, kyc.ErrFinal,
// operator.ErrNotFound.
func (s *Service) SubmitKYC(ctx context.Context, operatorID string, raw kyc.RawSubmission) (*kyc.Case, error) {
	now := s.Now()
	sub, err := kyc.Check(raw, now)
	if err != nil {
		return nil, err
	}
	var submitted *kyc.Case
	err = s.store.Update(ctx, func(tx Tx) error {
		c, err := s.kycCase(tx, operatorID)
		if err != nil {
			return err
		}
		if submitted, err = c.Submit(sub, now); err != nil {
			return err
		}
		return tx.KYC().Put(submitted)
	})
	if err != nil {
		return nil, err
	}
	s.log.Info().Str("operator_id", operatorID).Int("review", submitted.Review).Msg("kyc submitted")

	d, err := s.reviewer.Review(submitted.Clone())
	if err != nil {
		// The submission stands; the review stays open for a later decision.
		s.log.Error().Err(err).Str("operator_id", operatorID).Int("review", submitted.Review).
			Msg("kyc reviewer failed")
		return submitted, nil
	}
	if d != nil {
		// The submission is committed: its decision must not be lost with
		// a client that hangs up.
		if _, err := s.DecideKYC(context.WithoutCancel(ctx), operatorID, *d); err != nil {
			s.log.Error().Err(err).Str("operator_id", operatorID).Int("review", submitted.Review).
				Msg("kyc reviewer decision refused")
		}
	}
	return submitted, nil
}

// DecideKYC records a reviewer's decision about one of the operator's
// reviews and returns the case. Decisions may arrive late, twice or out of
// order: a repeat of the decision already taken changes nothing and is not
// an error; a decision about an earlier review is kyc.ErrStale; a contrary
// decision about a closed review is kyc.ErrAlreadyDecided.
func (s *Service) DecideKYC(ctx context.Context, operatorID string, d kyc.Decision) (*kyc.Case, error) {
	var out *kyc.Case
	var changed bool
	err := s.store.Update(ctx, func(tx Tx) error {
		c, err := s.kycCase(tx, operatorID)
		if err != nil {
			return err
		}
		out, changed, err = c.Decide(d, s.Now())
		if err != nil || !changed {
			return err
		}
		return tx.KYC().Put(out)
	})
	if err != nil {
		return nil, err
	}
	if changed {
		s.log.Info().Str("operator_id", operatorID).Str("kyc_status", string(out.Status)).
			Str("actor", d.Actor).Msg("kyc decided")
	}
	return out, nil
}

// ExemptKYC approves or rejects an operator who has submitted nothing, for
// development servers (see kyc.Case.Exempt). Production code must not
// call it.
func (s *Service) ExemptKYC(ctx context.Context, operatorID string, d kyc.Decision) (*kyc.Case, error) {
	var out *kyc.Case
	err := s.store.Update(ctx, func(tx Tx) error {
		c, err := s.kycCase(tx, operatorID)
		if err != nil {
			return err
		}
		if out, err = c.Exempt(d, s.Now()); err != nil {
			return err
		}
		return tx.KYC().Put(out)
	})
	if err != nil {
		return nil, err
	}
	s.log.Info().Str("operator_id", operatorID).Str("kyc_status", string(out.Status)).
		Str("actor", d.Actor).Msg("kyc exempted")
	return out, nil
}
