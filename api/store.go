package api

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Outgoing is a webhook waiting in the outbox: written in the same
// transaction as the call's change it reports, removed once the receiver
// answered 2xx (or it was given up).
type Outgoing struct {
	Seq    uint64 `json:"seq"`
	CallID CallID `json:"callId"`
	Event  string `json:"event"`
	URL    string `json:"url"`
	// Bot names whose webhook secret signs it (looked up when sent, so a
	// reloaded secret applies).
	Bot string `json:"bot"`
	// Body is the Webhook JSON, fixed when the event happened.
	Body     json.RawMessage `json:"body"`
	Attempts int             `json:"attempts"`
}

// Store keeps the calls and the webhook outbox. Save writes a call and,
// when event is not empty and the call has a notifyUrl, the webhook of the
// change in one transaction: a change is acknowledged only once its
// webhook is durable.
type Store interface {
	Save(c *Call, event string, at time.Time) (*Outgoing, error)
	Call(id CallID) (*Call, error)
	Calls() ([]*Call, error)
	// Pending lists the outbox in Seq order.
	Pending() ([]*Outgoing, error)
	// Attempted records a failed attempt; Done removes a webhook.
	Attempted(seq uint64, attempts int) error
	Done(seq uint64) error
}

var (
	callsBucket  = []byte("api_calls")
	outboxBucket = []byte("api_outbox")
)

// BoltStore is the Store in the switch's bbolt file (buckets api_calls and
// api_outbox).
type BoltStore struct {
	db *bolt.DB
}

var _ Store = (*BoltStore)(nil)

// NewBoltStore makes the buckets in db.
func NewBoltStore(db *bolt.DB) (*BoltStore, error) {
	err := db.Update(func(tx *bolt.Tx) error {
		if _, err := tx.CreateBucketIfNotExists(callsBucket); err != nil {
			return err
		}
		_, err := tx.CreateBucketIfNotExists(outboxBucket)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("api store: create buckets: %w", err)
	}
	return &BoltStore{db: db}, nil
}

// Save implements Store.
func (s *BoltStore) Save(c *Call, event string, at time.Time) (*Outgoing, error) {
	var out *Outgoing
	err := s.db.Update(func(tx *bolt.Tx) error {
		b, err := json.Marshal(c)
		if err != nil {
			return err
		}
		if err := tx.Bucket(callsBucket).Put([]byte(c.ID), b); err != nil {
			return err
		}
		if event == "" || c.NotifyURL == "" {
			return nil
		}
		ob := tx.Bucket(outboxBucket)
		seq, err := ob.NextSequence()
		if err != nil {
			return err
		}
		out, err = newOutgoing(seq, c, event, at)
		if err != nil {
			return err
		}
		v, err := json.Marshal(out)
		if err != nil {
			return err
		}
		return ob.Put(seqKey(seq), v)
	})
	if err != nil {
		return nil, fmt.Errorf("save call %s: %w", c.ID, err)
	}
	return out, nil
}

// newOutgoing builds the webhook of event for c.
func newOutgoing(seq uint64, c *Call, event string, at time.Time) (*Outgoing, error) {
	body, err := json.Marshal(Webhook{Event: event, Seq: seq, Time: at.UTC(), Call: *c})
	if err != nil {
		return nil, err
	}
	return &Outgoing{Seq: seq, CallID: c.ID, Event: event, URL: c.NotifyURL, Bot: c.Bot, Body: body}, nil
}

// Call implements Store.
func (s *BoltStore) Call(id CallID) (*Call, error) {
	var c *Call
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(callsBucket).Get([]byte(id))
		if v == nil {
			return ErrNotFound
		}
		c = &Call{}
		return json.Unmarshal(v, c)
	})
	if err != nil {
		return nil, fmt.Errorf("call %s: %w", id, err)
	}
	return c, nil
}

// Calls implements Store, oldest first.
func (s *BoltStore) Calls() ([]*Call, error) {
	var out []*Call
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(callsBucket).ForEach(func(k, v []byte) error {
			c := &Call{}
			if err := json.Unmarshal(v, c); err != nil {
				return fmt.Errorf("call %s: %w", k, err)
			}
			out = append(out, c)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("calls: %w", err)
	}
	sortCalls(out)
	return out, nil
}

// Pending implements Store.
func (s *BoltStore) Pending() ([]*Outgoing, error) {
	var out []*Outgoing
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(outboxBucket).ForEach(func(k, v []byte) error {
			o := &Outgoing{}
			if err := json.Unmarshal(v, o); err != nil {
				return fmt.Errorf("webhook %x: %w", k, err)
			}
			out = append(out, o)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("outbox: %w", err)
	}
	return out, nil
}

// Attempted implements Store.
func (s *BoltStore) Attempted(seq uint64, attempts int) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		ob := tx.Bucket(outboxBucket)
		v := ob.Get(seqKey(seq))
		if v == nil {
			return nil
		}
		o := &Outgoing{}
		if err := json.Unmarshal(v, o); err != nil {
			return err
		}
		o.Attempts = attempts
		nv, err := json.Marshal(o)
		if err != nil {
			return err
		}
		return ob.Put(seqKey(seq), nv)
	})
}

// Done implements Store.
func (s *BoltStore) Done(seq uint64) error {
	return s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(outboxBucket).Delete(seqKey(seq)) })
}

func seqKey(seq uint64) []byte { return binary.BigEndian.AppendUint64(nil, seq) }

func sortCalls(cs []*Call) {
	sort.SliceStable(cs, func(i, j int) bool {
		if !cs[i].CreatedAt.Equal(cs[j].CreatedAt) {
			return cs[i].CreatedAt.Before(cs[j].CreatedAt)
		}
		return cs[i].ID < cs[j].ID
	})
}

// MemStore is the in-memory Store, for tests.
type MemStore struct {
	mu     sync.Mutex
	calls  map[CallID]Call
	outbox []*Outgoing
	seq    uint64
}

var _ Store = (*MemStore)(nil)

// NewMemStore returns an empty MemStore.
func NewMemStore() *MemStore { return &MemStore{calls: map[CallID]Call{}} }

// Save implements Store.
func (m *MemStore) Save(c *Call, event string, at time.Time) (*Outgoing, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	cp := *c
	cp.Variables = cloneMap(c.Variables)
	m.calls[c.ID] = cp
	if event == "" || c.NotifyURL == "" {
		return nil, nil
	}
	m.seq++
	o, err := newOutgoing(m.seq, c, event, at)
	if err != nil {
		return nil, err
	}
	oc := *o
	m.outbox = append(m.outbox, &oc)
	return o, nil
}

// Call implements Store.
func (m *MemStore) Call(id CallID) (*Call, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.calls[id]
	if !ok {
		return nil, fmt.Errorf("call %s: %w", id, ErrNotFound)
	}
	return &c, nil
}

// Calls implements Store.
func (m *MemStore) Calls() ([]*Call, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*Call
	for _, c := range m.calls {
		out = append(out, &c)
	}
	sortCalls(out)
	return out, nil
}

// Pending implements Store.
func (m *MemStore) Pending() ([]*Outgoing, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*Outgoing
	for _, o := range m.outbox {
		c := *o
		out = append(out, &c)
	}
	return out, nil
}

// Attempted implements Store.
func (m *MemStore) Attempted(seq uint64, attempts int) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, o := range m.outbox {
		if o.Seq == seq {
			o.Attempts = attempts
		}
	}
	return nil
}

// Done implements Store.
func (m *MemStore) Done(seq uint64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.outbox = slices.DeleteFunc(m.outbox, func(o *Outgoing) bool { return o.Seq == seq })
	return nil
}

func cloneMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
