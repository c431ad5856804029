package telegram

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Agent is a Telegram user authorized to place calls.
type Agent struct {
	// ID is the agent's Telegram user id.
	ID int64 `json:"id"`
	// Phone is the agent's own number, rung first.
	Phone Number `json:"phone"`
	// Name is how the super-admin named the agent.
	Name string `json:"name,omitempty"`
	// Route is the agent's chosen route (none until chosen).
	Route Route `json:"route"`
	// AuthorizedBy and Authorized say who authorized the agent, and when.
	AuthorizedBy int64     `json:"authorized_by"`
	Authorized   time.Time `json:"authorized"`
}

// Store keeps the agents. Agent returns ErrNoAgent for an unknown id.
type Store interface {
	Agent(id int64) (Agent, error)
	PutAgent(a Agent) error
	DeleteAgent(id int64) error
	// Agents returns every agent, by id.
	Agents() ([]Agent, error)
}

var (
	_ Store = (*MemStore)(nil)
	_ Store = (*BoltStore)(nil)
)

// MemStore is a Store in memory, for tests.
type MemStore struct {
	mu     sync.Mutex
	agents map[int64]Agent
}

// NewMemStore returns an empty MemStore.
func NewMemStore() *MemStore { return &MemStore{agents: map[int64]Agent{}} }

// Agent implements Store.
func (m *MemStore) Agent(id int64) (Agent, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	a, ok := m.agents[id]
	if !ok {
		return Agent{}, fmt.Errorf("agent %d: %w", id, ErrNoAgent)
	}
	return a, nil
}

// PutAgent implements Store.
func (m *MemStore) PutAgent(a Agent) error {
	m.mu.Lock()
	m.agents[a.ID] = a
	m.mu.Unlock()
	return nil
}

// DeleteAgent implements Store.
func (m *MemStore) DeleteAgent(id int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.agents[id]; !ok {
		return fmt.Errorf("agent %d: %w", id, ErrNoAgent)
	}
	delete(m.agents, id)
	return nil
}

// Agents implements Store.
func (m *MemStore) Agents() ([]Agent, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Agent, 0, len(m.agents))
	for _, a := range m.agents {
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b Agent) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// agentsBucket is the bbolt bucket of the agents: key the decimal user
// id, value the Agent as JSON.
var agentsBucket = []byte("telegram_agents")

// BoltStore keeps the agents in the switch's bbolt file.
type BoltStore struct {
	db *bolt.DB
}

// NewBoltStore returns a store over db, creating its bucket.
func NewBoltStore(db *bolt.DB) (*BoltStore, error) {
	err := db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(agentsBucket)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("telegram agents bucket: %w", err)
	}
	return &BoltStore{db: db}, nil
}

func agentKey(id int64) []byte { return []byte(strconv.FormatInt(id, 10)) }

// Agent implements Store.
func (b *BoltStore) Agent(id int64) (Agent, error) {
	var a Agent
	err := b.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(agentsBucket).Get(agentKey(id))
		if v == nil {
			return fmt.Errorf("agent %d: %w", id, ErrNoAgent)
		}
		return json.Unmarshal(v, &a)
	})
	return a, err
}

// PutAgent implements Store.
func (b *BoltStore) PutAgent(a Agent) error {
	v, err := json.Marshal(a)
	if err != nil {
		return err
	}
	return b.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(agentsBucket).Put(agentKey(a.ID), v)
	})
}

// DeleteAgent implements Store.
func (b *BoltStore) DeleteAgent(id int64) error {
	return b.db.Update(func(tx *bolt.Tx) error {
		bk := tx.Bucket(agentsBucket)
		if bk.Get(agentKey(id)) == nil {
			return fmt.Errorf("agent %d: %w", id, ErrNoAgent)
		}
		return bk.Delete(agentKey(id))
	})
}

// Agents implements Store.
func (b *BoltStore) Agents() ([]Agent, error) {
	var out []Agent
	err := b.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(agentsBucket).ForEach(func(_, v []byte) error {
			var a Agent
			if err := json.Unmarshal(v, &a); err != nil {
				return err
			}
			out = append(out, a)
			return nil
		})
	})
	slices.SortFunc(out, func(a, b Agent) int { return cmp.Compare(a.ID, b.ID) })
	return out, err
}
