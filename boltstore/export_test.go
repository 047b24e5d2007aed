package boltstore

import (
	"errors"
	"fmt"

	"github.com/google/go-cmp/cmp"
	"go.etcd.io/bbolt"

	"github.com/humop/humop/agent"
	"github.com/humop/humop/idempotency"
	"github.com/humop/humop/kyc"
	"github.com/humop/humop/ledger"
	"github.com/humop/humop/operator"
	"github.com/humop/humop/task"
)

// Contents is everything a closed store file holds, read with plain bbolt.
type Contents struct {
	Version   string
	Operators map[string]*operator.Operator // by id
	Emails    map[string]string             // email key -> operator id
	Subjects  map[string]string             // subject -> operator id
	Cases     map[string]*kyc.Case          // by operator id
	Agents    map[string]*agent.Agent       // by id
	Tasks     map[string]*task.Task         // by id
	Entries   map[string]ledger.Entry       // by id
	Summaries map[string]ledger.Summary     // by operator id
	Payouts   map[string]ledger.Payout      // by id
	Records   []idempotency.Record          // idempotency records, in key order

	agentEmails, agentKeys           map[string]string // key -> agent id
	tasksOpen, tasksByAgent, tasksOp map[string]string // index key -> value
	entriesByOp, payoutsByOp         map[string]string // operator id + "/" + list key -> ""
	earnings                         map[string]string // task id -> entry id
	idemExpiry                       map[string]string // expiry key -> ""
}

// ReadFile opens the file at path read-only (its Store must be closed), runs
// bbolt's consistency check, decodes every record, and checks that the
// indexes and the records agree both ways.
func ReadFile(path string) (*Contents, error) {
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true, Timeout: DefaultTimeout})
	if err != nil {
		return nil, err
	}
	defer db.Close()

	c := &Contents{
		Operators: map[string]*operator.Operator{},
		Emails:    map[string]string{},
		Subjects:  map[string]string{},
		Cases:     map[string]*kyc.Case{},
		Agents:    map[string]*agent.Agent{},
		Tasks:     map[string]*task.Task{},

		agentEmails: map[string]string{}, agentKeys: map[string]string{},
		tasksOpen: map[string]string{}, tasksByAgent: map[string]string{}, tasksOp: map[string]string{},

		Entries: map[string]ledger.Entry{}, Summaries: map[string]ledger.Summary{},
		Payouts: map[string]ledger.Payout{}, Records: []idempotency.Record{},
		entriesByOp: map[string]string{}, payoutsByOp: map[string]string{},
		earnings: map[string]string{}, idemExpiry: map[string]string{},
	}
	err = db.View(func(btx *bbolt.Tx) error {
		var errs []error
		for err := range btx.Check() {
			errs = append(errs, err)
		}
		if err := errors.Join(errs...); err != nil {
			return fmt.Errorf("bbolt check: %w", err)
		}
		if m := btx.Bucket(bucketMeta); m != nil {
			c.Version = string(m.Get(keySchemaVersion))
		}
		b, err := bind(btx)
		if err != nil {
			return err
		}
		return c.read(b)
	})
	if err != nil {
		return nil, err
	}
	return c, errors.Join(c.agree(), c.ledgerAgrees())
}

func (c *Contents) read(b buckets) error {
	if err := c.readLedger(b); err != nil {
		return err
	}
	err := b.operators.ForEach(func(k, v []byte) error {
		if len(k) != 16 {
			return fmt.Errorf("operator key %x is not 16 bytes", k)
		}
		op, err := decodeOperator(k, v)
		if err != nil {
			return fmt.Errorf("operator %s: %w", keyID(operator.IDPrefix, k), err)
		}
		c.Operators[op.ID] = op
		return nil
	})
	if err != nil {
		return err
	}
	err = b.cases.ForEach(func(k, v []byte) error {
		cs, err := decodeCase(k, v)
		if err != nil {
			return fmt.Errorf("kyc case %s: %w", keyID(operator.IDPrefix, k), err)
		}
		c.Cases[cs.OperatorID] = cs
		return nil
	})
	if err != nil {
		return err
	}
	err = b.agents.ForEach(func(k, v []byte) error {
		a, err := decodeAgent(k, v)
		if err != nil {
			return fmt.Errorf("agent %s: %w", keyID(agent.IDPrefix, k), err)
		}
		c.Agents[a.ID] = a
		return nil
	})
	if err != nil {
		return err
	}
	err = b.tasks.ForEach(func(k, v []byte) error {
		t, err := decodeTask(k, v)
		if err != nil {
			return fmt.Errorf("task %s: %w", keyID(task.IDPrefix, k), err)
		}
		c.Tasks[t.ID] = t
		return nil
	})
	if err != nil {
		return err
	}
	for _, idx := range []struct {
		b *bbolt.Bucket
		m map[string]string
	}{{b.tasksOpen, c.tasksOpen}, {b.tasksByAgent, c.tasksByAgent}, {b.tasksByOp, c.tasksOp}} {
		err := idx.b.ForEach(func(k, v []byte) error {
			idx.m[string(k)] = string(v)
			return nil
		})
		if err != nil {
			return err
		}
	}
	for _, idx := range []struct {
		b      *bbolt.Bucket
		m      map[string]string
		prefix string
	}{
		{b.emails, c.Emails, operator.IDPrefix}, {b.subjects, c.Subjects, operator.IDPrefix},
		{b.agentEmails, c.agentEmails, agent.IDPrefix}, {b.agentKeys, c.agentKeys, agent.IDPrefix},
	} {
		err := idx.b.ForEach(func(k, v []byte) error {
			if len(v) != 16 {
				return fmt.Errorf("index entry %q -> %x is not 16 bytes", k, v)
			}
			idx.m[string(k)] = keyID(idx.prefix, v)
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// agree checks that every record has its index entries and every index
// entry points to a record that has its key.
func (c *Contents) agree() error {
	var errs []error
	for id, op := range c.Operators {
		if got := c.Emails[op.EmailKey()]; got != id {
			errs = append(errs, fmt.Errorf("operator %s: email index has %q -> %q", id, op.EmailKey(), got))
		}
		if op.Subject != "" && c.Subjects[op.Subject] != id {
			errs = append(errs, fmt.Errorf("operator %s: subject index has %q -> %q", id, op.Subject, c.Subjects[op.Subject]))
		}
	}
	for key, id := range c.Emails {
		if op := c.Operators[id]; op == nil || op.EmailKey() != key {
			errs = append(errs, fmt.Errorf("email index %q -> %s: no operator with that email", key, id))
		}
	}
	for subject, id := range c.Subjects {
		if op := c.Operators[id]; op == nil || op.Subject != subject {
			errs = append(errs, fmt.Errorf("subject index %q -> %s: no operator with that subject", subject, id))
		}
	}
	for id, a := range c.Agents {
		if got := c.agentEmails[a.EmailKey()]; got != id {
			errs = append(errs, fmt.Errorf("agent %s: email index has %q -> %q", id, a.EmailKey(), got))
		}
		if a.KeyHash != ([32]byte{}) && c.agentKeys[string(a.KeyHash[:])] != id {
			errs = append(errs, fmt.Errorf("agent %s: key index has no entry", id))
		}
	}
	for key, id := range c.agentEmails {
		if a := c.Agents[id]; a == nil || a.EmailKey() != key {
			errs = append(errs, fmt.Errorf("agent email index %q -> %s: no agent with that email", key, id))
		}
	}
	for h, id := range c.agentKeys {
		if a := c.Agents[id]; a == nil || string(a.KeyHash[:]) != h {
			errs = append(errs, fmt.Errorf("agent key index -> %s: no agent with that key", id))
		}
	}

	// The task indexes must be exactly the entries the tasks call for.
	want := map[string]map[string]string{"open": {}, "by agent": {}, "by operator": {}}
	for _, t := range c.Tasks {
		key, _ := idKey(task.IDPrefix, t.ID)
		want["by agent"][string(taskIndexKey(t.AgentID, t, key))] = string(t.Status)
		if t.Status == task.Pending {
			want["open"][string(taskIndexKey(string(t.Type), t, key))] = string(timeKey(t.Deadline))
		}
		if t.OperatorID != "" {
			want["by operator"][string(taskIndexKey(t.OperatorID, t, key))] = ""
		}
	}
	for name, got := range map[string]map[string]string{
		"open": c.tasksOpen, "by agent": c.tasksByAgent, "by operator": c.tasksOp} {
		if diff := cmp.Diff(want[name], got); diff != "" {
			errs = append(errs, fmt.Errorf("task index %s (-want +got):\n%s", name, diff))
		}
	}
	return errors.Join(errs...)
}

// readLedger decodes the ledger and idempotency buckets and checks that the
// sequence of every operator's list is the number of its items.
func (c *Contents) readLedger(b buckets) error {
	err := b.entries.ForEach(func(k, v []byte) error {
		e, err := decodeEntry(k, v)
		if err != nil {
			return fmt.Errorf("entry %s: %w", keyID(ledger.EntryIDPrefix, k), err)
		}
		c.Entries[e.ID] = e
		return nil
	})
	if err != nil {
		return err
	}
	err = b.summaries.ForEach(func(k, v []byte) error {
		s, err := decodeSummary(string(k), v)
		if err != nil {
			return fmt.Errorf("summary of %s: %w", k, err)
		}
		c.Summaries[s.OperatorID] = s
		return nil
	})
	if err != nil {
		return err
	}
	err = b.payouts.ForEach(func(k, v []byte) error {
		p, err := decodePayout(k, v)
		if err != nil {
			return fmt.Errorf("payout %s: %w", keyID(ledger.PayoutIDPrefix, k), err)
		}
		c.Payouts[p.ID] = p
		return nil
	})
	if err != nil {
		return err
	}
	err = b.idem.ForEach(func(k, v []byte) error {
		scope, key, ok := parseIdemKey(k)
		if !ok {
			return fmt.Errorf("idempotency key %x is not a scope and a key", k)
		}
		r, err := decodeIdem(scope, key, v)
		if err != nil {
			return fmt.Errorf("idempotency record %q %q: %w", scope, key, err)
		}
		c.Records = append(c.Records, r)
		return nil
	})
	if err != nil {
		return err
	}
	err = b.earnings.ForEach(func(k, v []byte) error {
		if len(v) != 16 {
			return fmt.Errorf("earning index %q -> %x is not 16 bytes", k, v)
		}
		c.earnings[string(k)] = keyID(ledger.EntryIDPrefix, v)
		return nil
	})
	if err != nil {
		return err
	}
	err = b.idemExpiry.ForEach(func(k, v []byte) error {
		c.idemExpiry[string(k)] = string(v)
		return nil
	})
	if err != nil {
		return err
	}
	for _, idx := range []struct {
		b *bbolt.Bucket
		m map[string]string
	}{{b.entriesByOp, c.entriesByOp}, {b.payoutsByOp, c.payoutsByOp}} {
		err := idx.b.ForEach(func(name, v []byte) error {
			list := idx.b.Bucket(name)
			if v != nil || list == nil {
				return fmt.Errorf("list of %s is not a bucket", name)
			}
			n := uint64(0)
			err := list.ForEach(func(k, v []byte) error {
				idx.m[string(name)+"/"+string(k)] = string(v)
				n++
				return nil
			})
			if err != nil {
				return err
			}
			if n != list.Sequence() {
				return fmt.Errorf("list of %s holds %d items and counts %d", name, n, list.Sequence())
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// ledgerAgrees checks that the ledger and idempotency indexes are exactly
// the entries their records call for, and that no task has two earnings.
func (c *Contents) ledgerAgrees() error {
	var errs []error
	entries, earnings := map[string]string{}, map[string]string{}
	for _, e := range c.Entries {
		key, _ := idKey(ledger.EntryIDPrefix, e.ID)
		entries[e.OperatorID+"/"+string(listKey(e.CreatedAt, key))] = ""
		if e.Kind != ledger.KindEarning {
			continue
		}
		if other, ok := earnings[e.TaskID]; ok {
			errs = append(errs, fmt.Errorf("task %s has two earnings, %s and %s", e.TaskID, other, e.ID))
		}
		earnings[e.TaskID] = e.ID
	}
	payouts := map[string]string{}
	for _, p := range c.Payouts {
		key, _ := idKey(ledger.PayoutIDPrefix, p.ID)
		payouts[p.OperatorID+"/"+string(listKey(p.CreatedAt, key))] = ""
	}
	expiry := map[string]string{}
	for _, r := range c.Records {
		expiry[string(expiryKey(r.ExpiresAt, idemKey(r.Scope, r.Key)))] = ""
	}
	for _, idx := range []struct {
		name      string
		want, got map[string]string
	}{
		{"entries by operator", entries, c.entriesByOp},
		{"earnings", earnings, c.earnings},
		{"payouts by operator", payouts, c.payoutsByOp},
		{"idempotency expiry", expiry, c.idemExpiry},
	} {
		if diff := cmp.Diff(idx.want, idx.got); diff != "" {
			errs = append(errs, fmt.Errorf("index %s (-want +got):\n%s", idx.name, diff))
		}
	}
	return errors.Join(errs...)
}

// SetSchemaVersion writes v as the schema version of the closed file at path.
func SetSchemaVersion(path, v string) error {
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: DefaultTimeout})
	if err != nil {
		return err
	}
	defer db.Close()
	return db.Update(func(btx *bbolt.Tx) error {
		return btx.Bucket(bucketMeta).Put(keySchemaVersion, []byte(v))
	})
}

// EncodeOperator returns op's record as stored.
func EncodeOperator(op *operator.Operator) ([]byte, error) { return encodeOperator(op) }

// EncodeCase returns c's record as stored.
func EncodeCase(c *kyc.Case) ([]byte, error) { return encodeCase(c) }

// WriteForeignFile creates a bbolt file that humop did not make.
func WriteForeignFile(path string) error {
	db, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	return db.Update(func(btx *bbolt.Tx) error {
		_, err := btx.CreateBucket([]byte("widgets"))
		return err
	})
}
