package boltstore

import (
	"bytes"
	"fmt"
	"time"

	"github.com/humop/humop/operator"
	"github.com/humop/humop/skills"
)

// operatorRecord is an operator as stored. The id is the record's key.
type operatorRecord struct {
	Name      string          `json:"name"`
	Email     string          `json:"email"`
	Phone     string          `json:"phone,omitempty"`
	Location  *locationRecord `json:"location,omitempty"`
	Skills    skills.Set      `json:"skills"` // names, so reordering skills changes no file
	Subject   string          `json:"subject,omitempty"`
	Rating    int             `json:"rating"`
	CreatedAt time.Time       `json:"created_at"`
	UpdatedAt time.Time       `json:"updated_at"`
}

type locationRecord struct {
	City    string `json:"city,omitempty"`
	Country string `json:"country"`
}

func encodeOperator(op *operator.Operator) ([]byte, error) {
	rec := operatorRecord{
		Name:      op.Name,
		Email:     op.Email,
		Phone:     op.Phone,
		Skills:    op.Skills,
		Subject:   op.Subject,
		Rating:    op.Rating,
		CreatedAt: op.CreatedAt.UTC(),
		UpdatedAt: op.UpdatedAt.UTC(),
	}
	if op.Location != nil {
		rec.Location = &locationRecord{City: op.Location.City, Country: op.Location.Country}
	}
	return marshal(rec)
}

func decodeOperator(key, b []byte) (*operator.Operator, error) {
	var rec operatorRecord
	if err := unmarshal(b, &rec); err != nil {
		return nil, err
	}
	op := &operator.Operator{
		ID:        keyID(operator.IDPrefix, key),
		Name:      rec.Name,
		Email:     rec.Email,
		Phone:     rec.Phone,
		Skills:    rec.Skills,
		Subject:   rec.Subject,
		Rating:    rec.Rating,
		CreatedAt: rec.CreatedAt,
		UpdatedAt: rec.UpdatedAt,
	}
	if rec.Location != nil {
		op.Location = &operator.Location{City: rec.Location.City, Country: rec.Location.Country}
	}
	return op, nil
}

// operators is the operator.Store of one transaction.
type operators struct{ t *tx }

func (s operators) Insert(op *operator.Operator) error {
	if err := s.t.checkWritable("insert operator", op.ID); err != nil {
		return err
	}
	key, ok := idKey(operator.IDPrefix, op.ID)
	if !ok {
		return fmt.Errorf("boltstore: insert operator %q: id is not %q and a ULID", op.ID, operator.IDPrefix)
	}
	b := s.t.b
	if b.operators.Get(key) != nil {
		return fmt.Errorf("boltstore: insert operator %s: id already taken", op.ID)
	}
	email := []byte(op.EmailKey())
	if b.emails.Get(email) != nil {
		return operator.ErrEmailTaken
	}
	if op.Subject != "" && b.subjects.Get([]byte(op.Subject)) != nil {
		return operator.ErrSubjectTaken
	}
	v, err := encodeOperator(op)
	if err != nil {
		return fmt.Errorf("boltstore: insert operator %s: %w", op.ID, err)
	}

	s.t.wrote = true
	if err := b.operators.Put(key, v); err != nil {
		return fmt.Errorf("boltstore: insert operator %s: %w", op.ID, err)
	}
	if err := b.emails.Put(email, key); err != nil {
		return fmt.Errorf("boltstore: insert operator %s: email index: %w", op.ID, err)
	}
	if op.Subject != "" {
		if err := b.subjects.Put([]byte(op.Subject), key); err != nil {
			return fmt.Errorf("boltstore: insert operator %s: subject index: %w", op.ID, err)
		}
	}
	return nil
}

func (s operators) Get(id string) (*operator.Operator, error) {
	key, ok := idKey(operator.IDPrefix, id)
	if !ok {
		return nil, operator.ErrNotFound
	}
	return s.get(key, id)
}

// get returns the operator stored under key; id is for messages.
func (s operators) get(key []byte, id string) (*operator.Operator, error) {
	v := s.t.b.operators.Get(key)
	if v == nil {
		return nil, operator.ErrNotFound
	}
	op, err := decodeOperator(key, v)
	if err != nil {
		return nil, fmt.Errorf("boltstore: get operator %s: %w", id, err)
	}
	return op, nil
}

func (s operators) BySubject(subject string) (*operator.Operator, error) {
	if subject == "" {
		return nil, operator.ErrNotFound
	}
	key := s.t.b.subjects.Get([]byte(subject))
	if key == nil {
		return nil, operator.ErrNotFound
	}
	return s.get(key, keyID(operator.IDPrefix, key))
}

func (s operators) Replace(op *operator.Operator) error {
	if err := s.t.checkWritable("replace operator", op.ID); err != nil {
		return err
	}
	key, ok := idKey(operator.IDPrefix, op.ID)
	if !ok {
		return operator.ErrNotFound
	}
	old, err := s.get(key, op.ID)
	if err != nil {
		return err
	}
	b := s.t.b
	moved := op.Subject != old.Subject
	if moved && op.Subject != "" {
		if holder := b.subjects.Get([]byte(op.Subject)); holder != nil && !bytes.Equal(holder, key) {
			return operator.ErrSubjectTaken
		}
	}
	next := *op
	next.Email = old.Email // the email is fixed at registration
	v, err := encodeOperator(&next)
	if err != nil {
		return fmt.Errorf("boltstore: replace operator %s: %w", op.ID, err)
	}

	s.t.wrote = true
	if err := b.operators.Put(key, v); err != nil {
		return fmt.Errorf("boltstore: replace operator %s: %w", op.ID, err)
	}
	if !moved {
		return nil
	}
	if old.Subject != "" {
		if err := b.subjects.Delete([]byte(old.Subject)); err != nil {
			return fmt.Errorf("boltstore: replace operator %s: subject index: %w", op.ID, err)
		}
	}
	if op.Subject != "" {
		if err := b.subjects.Put([]byte(op.Subject), key); err != nil {
			return fmt.Errorf("boltstore: replace operator %s: subject index: %w", op.ID, err)
		}
	}
	return nil
}
