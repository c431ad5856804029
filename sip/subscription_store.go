package sip

import (
	"encoding/json"
	"fmt"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Subscription is one accepted SUBSCRIBE dialog (RFC 6665 §4.2.1) as the
// notifier keeps it: enough to send an in-dialog NOTIFY (RFC 3261 §12.2.1)
// after a restart, until Expires.
type Subscription struct {
	// ID is the dialog ID as sipgo makes it for the UAS side: Call-ID,
	// our tag, the subscriber's tag.
	ID string `json:"id"`
	// Endpoint is the authenticated endpoint whose mailbox= boxes are
	// reported.
	Endpoint string `json:"endpoint"`
	// Event is the event package ("message-summary") and EventID the id
	// parameter of its Event header, echoed in every NOTIFY (RFC 6665 §8.2.1).
	Event   string `json:"event"`
	EventID string `json:"event_id,omitempty"`
	CallID  string `json:"call_id"`
	// LocalTag is the To-tag of our 200 OK, RemoteTag the From-tag of the
	// SUBSCRIBE.
	LocalTag  string `json:"local_tag"`
	RemoteTag string `json:"remote_tag"`
	// LocalURI is the SUBSCRIBE's To URI (our From in NOTIFYs), RemoteURI
	// and RemoteName its From (our To).
	LocalURI   string `json:"local_uri"`
	RemoteURI  string `json:"remote_uri"`
	RemoteName string `json:"remote_name,omitempty"`
	// Target is the remote target: the subscriber's Contact URI, the
	// Request-URI of NOTIFYs.
	Target string `json:"target"`
	// Routes is the route set from Record-Route, in order (RFC 3261 §12.1.1).
	Routes []string `json:"routes,omitempty"`
	// Contact is our Contact URI, given in the 200 OK and every NOTIFY.
	Contact string `json:"contact"`
	// Source is the ip:port the SUBSCRIBE came from and Transport its
	// transport; NOTIFYs go there behind NAT and over TCP/TLS.
	Source    string `json:"source"`
	Transport string `json:"transport"`
	// RemoteCSeq is the CSeq of the last SUBSCRIBE accepted, LocalCSeq of
	// the last NOTIFY sent.
	RemoteCSeq uint32    `json:"remote_cseq"`
	LocalCSeq  uint32    `json:"local_cseq"`
	Expires    time.Time `json:"expires"`
	Created    time.Time `json:"created"`
}

// SubscriptionStore keeps subscriptions; Subscriptions holds them in
// memory and writes each change through, so a restart keeps notifying
// subscribed phones until their subscriptions expire.
type SubscriptionStore interface {
	// Save adds or replaces a subscription.
	Save(sub Subscription) error
	// Delete removes a subscription; an unknown ID is no error.
	Delete(id string) error
	// LoadAll returns every stored subscription.
	LoadAll() ([]Subscription, error)
}

var (
	_ SubscriptionStore = (*MemSubscriptionStore)(nil)
	_ SubscriptionStore = (*BoltSubscriptionStore)(nil)
)

// MemSubscriptionStore is a SubscriptionStore in memory, for tests.
type MemSubscriptionStore struct {
	mu sync.Mutex
	m  map[string]Subscription
}

// NewMemSubscriptionStore returns an empty store.
func NewMemSubscriptionStore() *MemSubscriptionStore {
	return &MemSubscriptionStore{m: map[string]Subscription{}}
}

// Save implements SubscriptionStore.
func (s *MemSubscriptionStore) Save(sub Subscription) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sub.Routes = append([]string(nil), sub.Routes...)
	s.m[sub.ID] = sub
	return nil
}

// Delete implements SubscriptionStore.
func (s *MemSubscriptionStore) Delete(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, id)
	return nil
}

// LoadAll implements SubscriptionStore.
func (s *MemSubscriptionStore) LoadAll() ([]Subscription, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Subscription, 0, len(s.m))
	for _, sub := range s.m {
		out = append(out, sub)
	}
	return out, nil
}

var subscriptionsBucket = []byte("subscriptions")

// BoltSubscriptionStore keeps subscriptions in the switch's bbolt file, one
// JSON record per dialog ID in the "subscriptions" bucket.
type BoltSubscriptionStore struct{ db *bolt.DB }

// NewBoltSubscriptionStore creates the bucket when needed.
func NewBoltSubscriptionStore(db *bolt.DB) (*BoltSubscriptionStore, error) {
	err := db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(subscriptionsBucket)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("subscriptions bucket: %w", err)
	}
	return &BoltSubscriptionStore{db: db}, nil
}

// Save implements SubscriptionStore.
func (s *BoltSubscriptionStore) Save(sub Subscription) error {
	v, err := json.Marshal(sub)
	if err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(subscriptionsBucket).Put([]byte(sub.ID), v)
	})
}

// Delete implements SubscriptionStore.
func (s *BoltSubscriptionStore) Delete(id string) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(subscriptionsBucket).Delete([]byte(id))
	})
}

// LoadAll implements SubscriptionStore.
func (s *BoltSubscriptionStore) LoadAll() ([]Subscription, error) {
	var out []Subscription
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(subscriptionsBucket).ForEach(func(k, v []byte) error {
			var sub Subscription
			if err := json.Unmarshal(v, &sub); err != nil {
				return fmt.Errorf("subscription %q: %w", k, err)
			}
			out = append(out, sub)
			return nil
		})
	})
	return out, err
}
