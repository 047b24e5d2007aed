package memstore

import (
	"fmt"

	"github.com/humop/humop/kyc"
	"github.com/humop/humop/operator"
)

type operators struct{ t *tx }

func (s operators) Insert(op *operator.Operator) error {
	if err := s.t.checkWritable(); err != nil {
		return err
	}
	d := s.t.d
	if _, ok := d.operators.get(op.ID); ok {
		return fmt.Errorf("memstore: insert operator %s: id already used", op.ID)
	}
	key := op.EmailKey()
	if _, ok := d.emails.get(key); ok {
		return operator.ErrEmailTaken
	}
	if op.Subject != "" {
		if _, ok := d.subjects.get(op.Subject); ok {
			return operator.ErrSubjectTaken
		}
		d.subjects.put(op.Subject, op.ID)
	}
	d.emails.put(key, op.ID)
	d.operators.put(op.ID, op.Clone())
	return nil
}

func (s operators) Get(id string) (*operator.Operator, error) {
	op, ok := s.t.d.operators.get(id)
	if !ok {
		return nil, operator.ErrNotFound
	}
	return op.Clone(), nil
}

func (s operators) BySubject(subject string) (*operator.Operator, error) {
	if subject == "" {
		return nil, operator.ErrNotFound
	}
	id, ok := s.t.d.subjects.get(subject)
	if !ok {
		return nil, operator.ErrNotFound
	}
	return s.Get(id)
}

func (s operators) Replace(op *operator.Operator) error {
	if err := s.t.checkWritable(); err != nil {
		return err
	}
	d := s.t.d
	old, ok := d.operators.get(op.ID)
	if !ok {
		return operator.ErrNotFound
	}
	if op.Subject != old.Subject {
		if op.Subject != "" {
			if holder, ok := d.subjects.get(op.Subject); ok && holder != op.ID {
				return operator.ErrSubjectTaken
			}
			d.subjects.put(op.Subject, op.ID)
		}
		if old.Subject != "" {
			d.subjects.del(old.Subject)
		}
	}
	next := op.Clone()
	next.Email = old.Email // the email is fixed at registration
	d.operators.put(op.ID, next)
	return nil
}

type cases struct{ t *tx }

func (s cases) Get(operatorID string) (*kyc.Case, error) {
	c, ok := s.t.d.cases.get(operatorID)
	if !ok {
		return nil, kyc.ErrNotFound
	}
	return c.Clone(), nil
}

func (s cases) Put(c *kyc.Case) error {
	if err := s.t.checkWritable(); err != nil {
		return err
	}
	s.t.d.cases.put(c.OperatorID, c.Clone())
	return nil
}
