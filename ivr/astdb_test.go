package ivr

import (
	"path/filepath"
	"slices"
	"testing"

	bolt "go.etcd.io/bbolt"
)

func TestDBStores(t *testing.T) {
	stores := map[string]func(t *testing.T) DBStore{
		"mem": func(t *testing.T) DBStore { return NewMemDB() },
		"bolt": func(t *testing.T) DBStore {
			db, err := bolt.Open(filepath.Join(t.TempDir(), "obelisk.db"), 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			s, err := NewBoltDB(db)
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
	}
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			s := open(t)
			if _, ok, err := s.Get("cc", "x"); ok || err != nil {
				t.Fatalf("Get on empty: %v %v", ok, err)
			}
			for _, kv := range [][3]string{{"cc", "0791", "a"}, {"cc", "0792", "b"}, {"cc/sub", "k", "c"}, {"other", "k", "d"}} {
				if err := s.Put(kv[0], kv[1], kv[2]); err != nil {
					t.Fatal(err)
				}
			}
			if v, ok, _ := s.Get("cc", "0792"); !ok || v != "b" {
				t.Errorf("Get = %q %v", v, ok)
			}
			keys, _ := s.Keys("cc")
			if !slices.Equal(keys, []string{"0791", "0792", "sub"}) {
				t.Errorf("Keys(cc) = %v", keys)
			}
			if ok, _ := s.Delete("cc", "0791"); !ok {
				t.Error("Delete existing reported false")
			}
			if ok, _ := s.Delete("cc", "0791"); ok {
				t.Error("Delete missing reported true")
			}
		})
	}
}

// The bbolt AstDB keeps values across a restart.
func TestBoltDBSurvivesReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "obelisk.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := NewBoltDB(db)
	if err := s.Put("blacklist", "0791234567", "1"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s, _ = NewBoltDB(db)
	if v, ok, _ := s.Get("blacklist", "0791234567"); !ok || v != "1" {
		t.Fatalf("after reopen: %q %v", v, ok)
	}
}
