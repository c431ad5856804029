package queues

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// DynamicMember is a member added by AddQueueMember (or the AMI) and kept
// across restarts when persistentmembers=yes, as app_queue's
// Queue/PersistentMembers astdb family keeps
// interface;penalty;paused;membername;state_interface.
type DynamicMember struct {
	Queue          string `json:"queue"`
	Interface      string `json:"interface"`
	Name           string `json:"name,omitempty"`
	StateInterface string `json:"state_interface,omitempty"`
	Penalty        int    `json:"penalty"`
	Paused         bool   `json:"paused,omitempty"`
	PausedReason   string `json:"paused_reason,omitempty"`
	// Seq orders a queue's members as they were added, which rrmemory,
	// rrordered and linear depend on.
	Seq int64 `json:"seq"`
}

// MemberStore keeps dynamic members.
type MemberStore interface {
	// Members returns every stored member, by queue then Seq.
	Members() ([]DynamicMember, error)
	// Put stores m, replacing the member of the same queue and interface.
	Put(m DynamicMember) error
	// Delete removes a member; deleting a missing one is not an error.
	Delete(queue, iface string) error
}

var (
	_ MemberStore = (*MemStore)(nil)
	_ MemberStore = (*BoltStore)(nil)
)

func memberKey(queue, iface string) string { return queue + "\x00" + strings.ToLower(iface) }

func sortMembers(ms []DynamicMember) {
	slices.SortFunc(ms, func(a, b DynamicMember) int {
		if c := strings.Compare(a.Queue, b.Queue); c != 0 {
			return c
		}
		return int(a.Seq - b.Seq)
	})
}

// MemStore is an in-memory MemberStore for tests and the simulator.
type MemStore struct {
	mu sync.Mutex
	m  map[string]DynamicMember
}

// NewMemStore returns an empty MemStore.
func NewMemStore() *MemStore { return &MemStore{m: map[string]DynamicMember{}} }

// Members returns the stored members.
func (s *MemStore) Members() ([]DynamicMember, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]DynamicMember, 0, len(s.m))
	for _, m := range s.m {
		out = append(out, m)
	}
	sortMembers(out)
	return out, nil
}

// Put stores m.
func (s *MemStore) Put(m DynamicMember) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[memberKey(m.Queue, m.Interface)] = m
	return nil
}

// Delete removes a member.
func (s *MemStore) Delete(queue, iface string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, memberKey(queue, iface))
	return nil
}

// membersBucket is the bbolt bucket of dynamic members, keyed
// "queue\x00interface" (interface lower-cased, as app_queue compares
// interfaces case-insensitively), each value a JSON DynamicMember.
var membersBucket = []byte("queues.members")

// BoltStore keeps dynamic members in the switch's bbolt file.
type BoltStore struct {
	db *bolt.DB
}

// NewBoltStore returns a store in db, creating its bucket. The caller owns
// db and closes it.
func NewBoltStore(db *bolt.DB) (*BoltStore, error) {
	err := db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(membersBucket)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("queue members: create bucket: %w", err)
	}
	return &BoltStore{db: db}, nil
}

// Members returns the stored members.
func (s *BoltStore) Members() ([]DynamicMember, error) {
	var out []DynamicMember
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(membersBucket).ForEach(func(k, v []byte) error {
			var m DynamicMember
			if err := json.Unmarshal(v, &m); err != nil {
				return fmt.Errorf("member %q: %w", strings.ReplaceAll(string(k), "\x00", "/"), err)
			}
			out = append(out, m)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("queue members: %w", err)
	}
	sortMembers(out)
	return out, nil
}

// Put stores m.
func (s *BoltStore) Put(m DynamicMember) error {
	v, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("queue member %s in %s: %w", m.Interface, m.Queue, err)
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(membersBucket).Put([]byte(memberKey(m.Queue, m.Interface)), v)
	})
	if err != nil {
		return fmt.Errorf("queue member %s in %s: %w", m.Interface, m.Queue, err)
	}
	return nil
}

// Delete removes a member.
func (s *BoltStore) Delete(queue, iface string) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(membersBucket).Delete([]byte(memberKey(queue, iface)))
	})
	if err != nil {
		return fmt.Errorf("queue member %s in %s: delete: %w", iface, queue, err)
	}
	return nil
}
