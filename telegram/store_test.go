package telegram

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestStores(t *testing.T) {
	path := filepath.Join(t.TempDir(), "obelisk.db")
	open := func() *bolt.DB {
		db, err := bolt.Open(path, 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		return db
	}
	db := open()
	bs, err := NewBoltStore(db)
	if err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]Store{"mem": NewMemStore(), "bolt": bs} {
		t.Run(name, func(t *testing.T) {
			if _, err := s.Agent(42); !errors.Is(err, ErrNoAgent) {
				t.Fatalf("unknown agent: %v", err)
			}
			at := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
			for _, a := range []Agent{{ID: 42, Phone: "+15551234567", Name: "Alice", Route: RouteDevelopment, AuthorizedBy: 1, Authorized: at}, {ID: 7, Phone: "+15550000000"}} {
				if err := s.PutAgent(a); err != nil {
					t.Fatal(err)
				}
			}
			a, err := s.Agent(42)
			if err != nil || a.Phone != "+15551234567" || a.Route != RouteDevelopment || a.Name != "Alice" || !a.Authorized.Equal(at) {
				t.Fatalf("agent 42: %+v, %v", a, err)
			}
			all, err := s.Agents()
			if err != nil || len(all) != 2 || all[0].ID != 7 || all[1].ID != 42 {
				t.Fatalf("agents %+v, %v", all, err)
			}
			if err := s.DeleteAgent(7); err != nil {
				t.Fatal(err)
			}
			if err := s.DeleteAgent(7); !errors.Is(err, ErrNoAgent) {
				t.Fatalf("second delete: %v", err)
			}
		})
	}
	_ = db.Close()
	db = open()
	defer db.Close()
	bs, err = NewBoltStore(db)
	if err != nil {
		t.Fatal(err)
	}
	if a, err := bs.Agent(42); err != nil || a.Route != RouteDevelopment {
		t.Fatalf("after reopening: %+v, %v", a, err)
	}
}
