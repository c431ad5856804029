package ivr

import (
	"errors"
	"sort"
	"strings"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// DBStore is Asterisk's AstDB, the family/key store behind DB(), DB_DELETE(),
// DB_EXISTS() and the AMI DBGet/DBPut actions.
type DBStore interface {
	Get(family, key string) (string, bool, error)
	Put(family, key, value string) error
	// Delete removes one key and reports whether it existed.
	Delete(family, key string) (bool, error)
	// Keys lists the keys directly under family (DB_KEYS()).
	Keys(family string) ([]string, error)
}

var (
	_ DBStore = (*MemDB)(nil)
	_ DBStore = (*BoltDB)(nil)
)

func dbKey(family, key string) string { return "/" + family + "/" + key }

// MemDB is an in-memory DBStore for tests and the simulator.
type MemDB struct {
	mu sync.Mutex
	m  map[string]string
}

// NewMemDB returns an empty in-memory AstDB.
func NewMemDB() *MemDB { return &MemDB{m: map[string]string{}} }

// Get returns family/key.
func (d *MemDB) Get(family, key string) (string, bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	v, ok := d.m[dbKey(family, key)]
	return v, ok, nil
}

// Put stores family/key.
func (d *MemDB) Put(family, key, value string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.m[dbKey(family, key)] = value
	return nil
}

// Delete removes family/key.
func (d *MemDB) Delete(family, key string) (bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	_, ok := d.m[dbKey(family, key)]
	delete(d.m, dbKey(family, key))
	return ok, nil
}

// Keys lists the next level of keys under family.
func (d *MemDB) Keys(family string) ([]string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var all []string
	for k := range d.m {
		all = append(all, k)
	}
	return childKeys(all, family), nil
}

func childKeys(all []string, family string) []string {
	prefix := "/" + strings.Trim(family, "/") + "/"
	if family == "" {
		prefix = "/"
	}
	seen := map[string]bool{}
	var out []string
	for _, k := range all {
		if !strings.HasPrefix(k, prefix) {
			continue
		}
		child, _, _ := strings.Cut(k[len(prefix):], "/")
		if child != "" && !seen[child] {
			seen[child] = true
			out = append(out, child)
		}
	}
	sort.Strings(out)
	return out
}

// astdbBucket is the bbolt bucket holding AstDB keys as "/family/key".
var astdbBucket = []byte("astdb")

// BoltDB keeps the AstDB in the switch's bbolt file, so values survive a
// restart as Asterisk's astdb.sqlite3 does.
type BoltDB struct {
	db *bolt.DB
}

// NewBoltDB returns an AstDB in db, creating its bucket.
func NewBoltDB(db *bolt.DB) (*BoltDB, error) {
	err := db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(astdbBucket)
		return err
	})
	if err != nil {
		return nil, errors.Join(errors.New("astdb: create bucket"), err)
	}
	return &BoltDB{db: db}, nil
}

// Get returns family/key.
func (d *BoltDB) Get(family, key string) (v string, ok bool, err error) {
	err = d.db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(astdbBucket).Get([]byte(dbKey(family, key))); b != nil {
			v, ok = string(b), true
		}
		return nil
	})
	return v, ok, err
}

// Put stores family/key.
func (d *BoltDB) Put(family, key, value string) error {
	return d.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(astdbBucket).Put([]byte(dbKey(family, key)), []byte(value))
	})
}

// Delete removes family/key.
func (d *BoltDB) Delete(family, key string) (existed bool, err error) {
	err = d.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(astdbBucket)
		k := []byte(dbKey(family, key))
		existed = b.Get(k) != nil
		return b.Delete(k)
	})
	return existed, err
}

// Keys lists the next level of keys under family.
func (d *BoltDB) Keys(family string) ([]string, error) {
	var all []string
	err := d.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(astdbBucket).ForEach(func(k, _ []byte) error {
			all = append(all, string(k))
			return nil
		})
	})
	return childKeys(all, family), err
}
