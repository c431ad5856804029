package campaign

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"sort"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// Store keeps campaigns and their customers (with every attempt) across
// restarts. Each Put is durable when it returns: the engine relies on it
// to have "attempt N started" on disk before it dials.
type Store interface {
	// Load returns every campaign and its customers in Seq order.
	Load() ([]*Campaign, map[string][]*Customer, error)
	// PutCampaign writes a campaign's settings and state.
	PutCampaign(c *Campaign) error
	// PutCustomers writes customers of a campaign, in one transaction.
	PutCustomers(campaign string, cs ...*Customer) error
}

var (
	_ Store = (*BoltStore)(nil)
	_ Store = (*MemStore)(nil)
)

// bucketCampaigns holds a bucket per campaign: its "settings" (JSON) and
// a "customers" bucket of JSON customers keyed by Seq (8 bytes, big
// endian: import order).
var (
	bucketCampaigns = []byte("campaigns")
	keySettings     = []byte("settings")
	bucketCustomers = []byte("customers")
)

// BoltStore is a Store in the switch's bbolt file.
type BoltStore struct {
	db *bolt.DB
}

// NewBoltStore returns a Store in db, making its bucket.
func NewBoltStore(db *bolt.DB) (*BoltStore, error) {
	err := db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucketCampaigns)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("campaign store: %w", err)
	}
	return &BoltStore{db: db}, nil
}

// Load implements Store.
func (s *BoltStore) Load() ([]*Campaign, map[string][]*Customer, error) {
	var camps []*Campaign
	var custs map[string][]*Customer
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		camps, custs, err = LoadTx(tx)
		return err
	})
	return camps, custs, err
}

// LoadTx reads the campaigns and their customers in a bbolt transaction
// (a read-only one: `obelisk campaigns` on a stopped switch's store).
// A store without campaigns gives none.
func LoadTx(tx *bolt.Tx) ([]*Campaign, map[string][]*Customer, error) {
	var camps []*Campaign
	custs := map[string][]*Customer{}
	top := tx.Bucket(bucketCampaigns)
	if top == nil {
		return nil, custs, nil
	}
	err := top.ForEachBucket(func(name []byte) error {
		b := tx.Bucket(bucketCampaigns).Bucket(name)
		c := &Campaign{}
		if err := json.Unmarshal(b.Get(keySettings), c); err != nil {
			return fmt.Errorf("campaign %s: %w", name, err)
		}
		camps = append(camps, c)
		cb := b.Bucket(bucketCustomers)
		if cb == nil {
			return nil
		}
		return cb.ForEach(func(k, v []byte) error {
			cu := &Customer{}
			if err := json.Unmarshal(v, cu); err != nil {
				return fmt.Errorf("campaign %s customer %x: %w", name, k, err)
			}
			custs[c.Name] = append(custs[c.Name], cu)
			return nil
		})
	})
	if err != nil {
		return nil, nil, fmt.Errorf("load campaigns: %w", err)
	}
	return camps, custs, nil
}

// PutCampaign implements Store.
func (s *BoltStore) PutCampaign(c *Campaign) error {
	v, err := json.Marshal(c)
	if err != nil {
		return err
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.Bucket(bucketCampaigns).CreateBucketIfNotExists([]byte(c.Name))
		if err != nil {
			return err
		}
		if _, err := b.CreateBucketIfNotExists(bucketCustomers); err != nil {
			return err
		}
		return b.Put(keySettings, v)
	})
	if err != nil {
		return fmt.Errorf("store campaign %s: %w", c.Name, err)
	}
	return nil
}

// PutCustomers implements Store.
func (s *BoltStore) PutCustomers(campaign string, cs ...*Customer) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCampaigns).Bucket([]byte(campaign))
		if b == nil {
			return ErrNoCampaign
		}
		cb := b.Bucket(bucketCustomers)
		for _, c := range cs {
			v, err := json.Marshal(c)
			if err != nil {
				return err
			}
			if err := cb.Put(binary.BigEndian.AppendUint64(nil, c.Seq), v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store customers of %s: %w", campaign, err)
	}
	return nil
}

// MemStore is a Store in memory, for tests; it keeps copies, as a disk
// would.
type MemStore struct {
	mu        sync.Mutex
	campaigns map[string]Campaign
	customers map[string]map[uint64]*Customer
	// Puts counts the PutCustomers calls.
	Puts int
}

// Load implements Store.
func (m *MemStore) Load() ([]*Campaign, map[string][]*Customer, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var camps []*Campaign
	custs := map[string][]*Customer{}
	for _, c := range m.campaigns {
		c := c
		camps = append(camps, &c)
		for _, cu := range m.customers[c.Name] {
			custs[c.Name] = append(custs[c.Name], cu.clone())
		}
		sort.Slice(custs[c.Name], func(i, j int) bool { return custs[c.Name][i].Seq < custs[c.Name][j].Seq })
	}
	sort.Slice(camps, func(i, j int) bool { return camps[i].Name < camps[j].Name })
	return camps, custs, nil
}

// PutCampaign implements Store.
func (m *MemStore) PutCampaign(c *Campaign) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.campaigns == nil {
		m.campaigns, m.customers = map[string]Campaign{}, map[string]map[uint64]*Customer{}
	}
	cp := *c
	cp.Windows = append([]Window(nil), c.Windows...)
	m.campaigns[c.Name] = cp
	if m.customers[c.Name] == nil {
		m.customers[c.Name] = map[uint64]*Customer{}
	}
	return nil
}

// PutCustomers implements Store.
func (m *MemStore) PutCustomers(campaign string, cs ...*Customer) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.customers[campaign] == nil {
		return fmt.Errorf("store customers of %s: %w", campaign, ErrNoCampaign)
	}
	m.Puts++
	for _, c := range cs {
		m.customers[campaign][c.Seq] = c.clone()
	}
	return nil
}
