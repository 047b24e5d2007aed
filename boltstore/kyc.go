package boltstore

import (
	"fmt"
	"time"

	"github.com/humop/humop/kyc"
	"github.com/humop/humop/operator"
)

// caseRecord is a KYC case as stored. The operator id is the record's key.
type caseRecord struct {
	Status          kyc.Status        `json:"status"`
	Review          int               `json:"review,omitempty"`
	ReviewOpen      bool              `json:"review_open,omitempty"`
	Submission      *submissionRecord `json:"submission,omitempty"`
	SubmittedAt     time.Time         `json:"submitted_at,omitzero"`
	DecidedAt       time.Time         `json:"decided_at,omitzero"`
	RejectionReason string            `json:"rejection_reason,omitempty"`
	Final           bool              `json:"final,omitempty"`
	History         []eventRecord     `json:"history,omitempty"`
}

type eventRecord struct {
	At     time.Time  `json:"at"`
	From   kyc.Status `json:"from,omitempty"`
	To     kyc.Status `json:"to"`
	Actor  string     `json:"actor"`
	Reason string     `json:"reason,omitempty"`
	Review int        `json:"review,omitempty"`
	Final  bool       `json:"final,omitempty"`
}

// submissionRecord holds document URLs, which are personal data; the file
// must be protected like the rest of it (Open creates it with mode 0600).
type submissionRecord struct {
	IDDocument     idDocumentRecord   `json:"id_document"`
	Selfie         selfieRecord       `json:"selfie"`
	ProofOfAddress addressProofRecord `json:"proof_of_address"`
}

type idDocumentRecord struct {
	Type    kyc.IDType `json:"type"`
	Country string     `json:"country"`
	FileURL string     `json:"file_url"`
}

type selfieRecord struct {
	FileURL string `json:"file_url"`
}

type addressProofRecord struct {
	Type     kyc.AddressProofType `json:"type"`
	IssuedOn dateRecord           `json:"issued_on"`
	FileURL  string               `json:"file_url"`
}

// dateRecord is a kyc.Date as [year, month, day], kept exactly as given
// even when it is not a real date.
type dateRecord [3]int

func encodeSubmission(s *kyc.Submission) *submissionRecord {
	if s == nil {
		return nil
	}
	d := s.ProofOfAddress.IssuedOn
	return &submissionRecord{
		IDDocument: idDocumentRecord{
			Type: s.IDDocument.Type, Country: s.IDDocument.Country, FileURL: s.IDDocument.FileURL,
		},
		Selfie: selfieRecord{FileURL: s.Selfie.FileURL},
		ProofOfAddress: addressProofRecord{
			Type:     s.ProofOfAddress.Type,
			IssuedOn: dateRecord{d.Year, int(d.Month), d.Day},
			FileURL:  s.ProofOfAddress.FileURL,
		},
	}
}

func decodeSubmission(r *submissionRecord) *kyc.Submission {
	if r == nil {
		return nil
	}
	d := r.ProofOfAddress.IssuedOn
	return &kyc.Submission{
		IDDocument: kyc.IDDocument{
			Type: r.IDDocument.Type, Country: r.IDDocument.Country, FileURL: r.IDDocument.FileURL,
		},
		Selfie: kyc.Selfie{FileURL: r.Selfie.FileURL},
		ProofOfAddress: kyc.AddressProof{
			Type:     r.ProofOfAddress.Type,
			IssuedOn: kyc.Date{Year: d[0], Month: time.Month(d[1]), Day: d[2]},
			FileURL:  r.ProofOfAddress.FileURL,
		},
	}
}

func encodeCase(c *kyc.Case) ([]byte, error) {
	rec := caseRecord{
		Status:          c.Status,
		Review:          c.Review,
		ReviewOpen:      c.ReviewOpen,
		Submission:      encodeSubmission(c.Submission),
		SubmittedAt:     c.SubmittedAt.UTC(),
		DecidedAt:       c.DecidedAt.UTC(),
		RejectionReason: c.RejectionReason,
		Final:           c.Final,
	}
	if len(c.History) > 0 {
		rec.History = make([]eventRecord, len(c.History))
	}
	for i, e := range c.History {
		rec.History[i] = eventRecord{
			At: e.At.UTC(), From: e.From, To: e.To, Actor: e.Actor, Reason: e.Reason,
			Review: e.Review, Final: e.Final,
		}
	}
	return marshal(rec)
}

func decodeCase(key, b []byte) (*kyc.Case, error) {
	var rec caseRecord
	if err := unmarshal(b, &rec); err != nil {
		return nil, err
	}
	c := &kyc.Case{
		OperatorID:      keyID(operator.IDPrefix, key),
		Status:          rec.Status,
		Review:          rec.Review,
		ReviewOpen:      rec.ReviewOpen,
		Submission:      decodeSubmission(rec.Submission),
		SubmittedAt:     rec.SubmittedAt,
		DecidedAt:       rec.DecidedAt,
		RejectionReason: rec.RejectionReason,
		Final:           rec.Final,
	}
	if len(rec.History) > 0 {
		c.History = make([]kyc.Event, len(rec.History))
	}
	for i, e := range rec.History {
		c.History[i] = kyc.Event{
			At: e.At, From: e.From, To: e.To, Actor: e.Actor, Reason: e.Reason,
			Review: e.Review, Final: e.Final,
		}
	}
	return c, nil
}

// cases is the kyc.Store of one transaction.
type cases struct{ t *tx }

func (s cases) Get(operatorID string) (*kyc.Case, error) {
	key, ok := idKey(operator.IDPrefix, operatorID)
	if !ok {
		return nil, kyc.ErrNotFound
	}
	v := s.t.b.cases.Get(key)
	if v == nil {
		return nil, kyc.ErrNotFound
	}
	c, err := decodeCase(key, v)
	if err != nil {
		return nil, fmt.Errorf("boltstore: get kyc case %s: %w", operatorID, err)
	}
	return c, nil
}

func (s cases) Put(c *kyc.Case) error {
	if err := s.t.checkWritable("put kyc case", c.OperatorID); err != nil {
		return err
	}
	key, ok := idKey(operator.IDPrefix, c.OperatorID)
	if !ok {
		return fmt.Errorf("boltstore: put kyc case %q: operator id is not %q and a ULID",
			c.OperatorID, operator.IDPrefix)
	}
	v, err := encodeCase(c)
	if err != nil {
		return fmt.Errorf("boltstore: put kyc case %s: %w", c.OperatorID, err)
	}
	s.t.wrote = true
	if err := s.t.b.cases.Put(key, v); err != nil {
		return fmt.Errorf("boltstore: put kyc case %s: %w", c.OperatorID, err)
	}
	return nil
}
