package sip

import (
	"encoding/json"
	"fmt"
	"net"
	"sort"
	"strconv"
	"sync"
	"time"

	sipgosip "github.com/emiago/sipgo/sip"
	bolt "go.etcd.io/bbolt"
)

// Binding is one registered contact of an address of record (RFC 3261
// §10.3): where calls to the endpoint go until Expires.
type Binding struct {
	AOR       string    `json:"aor"`
	Contact   string    `json:"contact"` // the Contact URI as registered
	Source    string    `json:"source"`  // ip:port the REGISTER came from
	Transport string    `json:"transport"`
	CallID    string    `json:"call_id"`
	CSeq      uint32    `json:"cseq"`
	Expires   time.Time `json:"expires"`
	Updated   time.Time `json:"updated"`
	UserAgent string    `json:"user_agent,omitempty"`
}

// BindingStore keeps bindings; Registrar holds them in memory and writes
// each change through to the store so a restart loses none.
type BindingStore interface {
	// Save replaces the bindings of aor (none removes the AOR).
	Save(aor string, bs []Binding) error
	// LoadAll returns every stored binding by AOR.
	LoadAll() (map[string][]Binding, error)
}

// MemBindingStore is a BindingStore in memory, for tests.
type MemBindingStore struct {
	mu sync.Mutex
	m  map[string][]Binding
}

var (
	_ BindingStore = (*MemBindingStore)(nil)
	_ BindingStore = (*BoltBindingStore)(nil)
)

// NewMemBindingStore returns an empty store.
func NewMemBindingStore() *MemBindingStore { return &MemBindingStore{m: map[string][]Binding{}} }

// Save implements BindingStore.
func (s *MemBindingStore) Save(aor string, bs []Binding) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(bs) == 0 {
		delete(s.m, aor)
	} else {
		s.m[aor] = append([]Binding(nil), bs...)
	}
	return nil
}

// LoadAll implements BindingStore.
func (s *MemBindingStore) LoadAll() (map[string][]Binding, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string][]Binding{}
	for k, v := range s.m {
		out[k] = append([]Binding(nil), v...)
	}
	return out, nil
}

var bindingsBucket = []byte("registrations")

// BoltBindingStore keeps bindings in the switch's bbolt file, one JSON list
// per AOR in the "registrations" bucket.
type BoltBindingStore struct{ db *bolt.DB }

// NewBoltBindingStore creates the bucket when needed.
func NewBoltBindingStore(db *bolt.DB) (*BoltBindingStore, error) {
	err := db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bindingsBucket)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("registrations bucket: %w", err)
	}
	return &BoltBindingStore{db: db}, nil
}

// Save implements BindingStore.
func (s *BoltBindingStore) Save(aor string, bs []Binding) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bindingsBucket)
		if len(bs) == 0 {
			return b.Delete([]byte(aor))
		}
		v, err := json.Marshal(bs)
		if err != nil {
			return err
		}
		return b.Put([]byte(aor), v)
	})
}

// LoadAll implements BindingStore.
func (s *BoltBindingStore) LoadAll() (map[string][]Binding, error) {
	out := map[string][]Binding{}
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bindingsBucket).ForEach(func(k, v []byte) error {
			var bs []Binding
			if err := json.Unmarshal(v, &bs); err != nil {
				return fmt.Errorf("registration %s: %w", k, err)
			}
			out[string(k)] = bs
			return nil
		})
	})
	return out, err
}

// Location is the registrar's table of bindings: in memory, written
// through to a BindingStore.
type Location struct {
	store BindingStore

	mu sync.Mutex
	m  map[string][]Binding
}

// NewLocation loads the stored bindings.
func NewLocation(store BindingStore) (*Location, error) {
	m, err := store.LoadAll()
	if err != nil {
		return nil, err
	}
	return &Location{store: store, m: m}, nil
}

// Lookup returns the live bindings of aor at now, most recent first.
func (l *Location) Lookup(aor string, now time.Time) []Binding {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []Binding
	for _, b := range l.m[aor] {
		if b.Expires.After(now) {
			out = append(out, b)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Updated.After(out[j].Updated) })
	return out
}

// update applies fn to the bindings of aor under the lock and saves the
// result; the table changes only when the store accepted it.
func (l *Location) update(aor string, fn func([]Binding) ([]Binding, error)) ([]Binding, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	cur := append([]Binding(nil), l.m[aor]...)
	next, err := fn(cur)
	if err != nil {
		return nil, err
	}
	if err := l.store.Save(aor, next); err != nil {
		return nil, fmt.Errorf("save registration of %s: %w", aor, err)
	}
	if len(next) == 0 {
		delete(l.m, aor)
	} else {
		l.m[aor] = next
	}
	return append([]Binding(nil), next...), nil
}

// All returns every binding, live or not yet swept.
func (l *Location) All() []Binding {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []Binding
	for _, bs := range l.m {
		out = append(out, bs...)
	}
	return out
}

// Sweep removes the bindings expired at now and returns them.
func (l *Location) Sweep(now time.Time) ([]Binding, error) {
	l.mu.Lock()
	aors := make([]string, 0, len(l.m))
	for aor := range l.m {
		aors = append(aors, aor)
	}
	l.mu.Unlock()
	var gone []Binding
	for _, aor := range aors {
		_, err := l.update(aor, func(bs []Binding) ([]Binding, error) {
			keep := bs[:0]
			for _, b := range bs {
				if b.Expires.After(now) {
					keep = append(keep, b)
				} else {
					gone = append(gone, b)
				}
			}
			return keep, nil
		})
		if err != nil {
			return gone, err
		}
	}
	return gone, nil
}

// DialURI is the Request-URI that calls a registered contact: the contact
// with user replaced when not empty, sent to source (the address the
// REGISTER came from, host:port) instead of the contact's host when source
// is not empty (nat=force_rport).
func DialURI(contact, user, source string) (string, error) {
	var uri sipgosip.Uri
	if err := sipgosip.ParseUri(contact, &uri); err != nil {
		return "", fmt.Errorf("contact %q: %w", contact, err)
	}
	if user != "" {
		uri.User = user
	}
	if source != "" {
		host, port, err := net.SplitHostPort(source)
		if err != nil {
			return "", fmt.Errorf("source %q: %w", source, err)
		}
		p, err := strconv.Atoi(port)
		if err != nil {
			return "", fmt.Errorf("source %q: %w", source, err)
		}
		uri.Host, uri.Port = host, p
	}
	return uri.String(), nil
}
