package queues

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

const membersConf = "[general]\npersistentmembers=yes\n[q]\nstrategy=rrmemory\nmember => SIP/static\n[other]\n"

func TestMemberManagement(t *testing.T) {
	r := newRig(t, membersConf, nil)
	steps := []struct {
		name string
		do   func() error
		want error
	}{
		{"add", func() error {
			return r.m.AddMember("chan-1", DynamicMember{Queue: "q", Interface: "SIP/201", Name: "Agent 1"})
		}, nil},
		{"add again", func() error { return r.m.AddMember("chan-1", DynamicMember{Queue: "q", Interface: "sip/201"}) }, ErrMemberExists},
		{"add to no queue", func() error { return r.m.AddMember("", DynamicMember{Queue: "nope", Interface: "SIP/201"}) }, ErrNoSuchQueue},
		{"add bad interface", func() error { return r.m.AddMember("", DynamicMember{Queue: "q", Interface: "201"}) }, ErrBadInterface},
		{"add to other, paused", func() error {
			return r.m.AddMember("", DynamicMember{Queue: "other", Interface: "SIP/201", Paused: true})
		}, nil},
		{"pause one queue", func() error { return r.m.PauseMember("q", "SIP/201", "lunch") }, nil},
		{"unpause everywhere", func() error { return r.m.UnpauseMember("", "SIP/201", "") }, nil},
		{"pause unknown", func() error { return r.m.PauseMember("", "SIP/999", "") }, ErrMemberNotFound},
		{"penalty", func() error { return r.m.SetPenalty("q", "SIP/201", 3) }, nil},
		{"remove static", func() error { return r.m.RemoveMember("chan-2", "q", "SIP/static") }, ErrNotDynamic},
		{"remove absent", func() error { return r.m.RemoveMember("chan-2", "q", "SIP/999") }, ErrNotInQueue},
		{"remove", func() error { return r.m.RemoveMember("chan-2", "other", "SIP/201") }, nil},
	}
	for _, s := range steps {
		if err := s.do(); !errors.Is(err, s.want) || (s.want == nil && err != nil) {
			t.Fatalf("%s: %v, want %v", s.name, err, s.want)
		}
	}
	ms, _ := r.m.Members("q")
	if len(ms) != 2 || ms[1].Interface != "SIP/201" || !ms[1].Dynamic || ms[1].Penalty != 3 || ms[1].Paused || ms[1].Name != "Agent 1" {
		t.Fatalf("members %+v", ms)
	}
	stored, _ := r.store.Members()
	if len(stored) != 1 || stored[0].Queue != "q" || stored[0].Penalty != 3 {
		t.Fatalf("stored %+v", stored)
	}
}

// The queue_log lines of member management, byte for byte after the epoch.
func TestMemberManagementLog(t *testing.T) {
	r := newRig(t, membersConf, nil)
	r.m.AddMember("chan-1", DynamicMember{Queue: "q", Interface: "SIP/201", Name: "Agent 1"})
	r.m.AddMember("", DynamicMember{Queue: "other", Interface: "SIP/201", Paused: true})
	r.m.PauseMember("q", "SIP/201", "lunch")
	r.m.UnpauseMember("", "SIP/201", "")
	r.m.SetPenalty("q", "SIP/201", 3)
	r.m.RemoveMember("chan-2", "other", "SIP/201")
	want := []string{
		"chan-1|q|SIP/201|ADDMEMBER|",
		"NONE|other|SIP/201|ADDMEMBER|PAUSED",
		"NONE|q|Agent 1|PAUSE|lunch",
		"NONE|NONE|SIP/201|UNPAUSEALL|", // the first queue's member, in "other" unnamed
		"NONE|other|SIP/201|UNPAUSE|",
		"NONE|q|Agent 1|UNPAUSE|",
		"NONE|q|SIP/201|PENALTY|3",
		"chan-2|other|SIP/201|REMOVEMEMBER|",
	}
	got := r.lines()
	if len(got) != len(want) {
		t.Fatalf("lines %q", got)
	}
	for i, l := range got {
		_, rest, _ := cut(l)
		if rest != want[i] {
			t.Errorf("line %d: %q, want %q", i, rest, want[i])
		}
	}
}

func cut(l string) (epoch, rest string, ok bool) {
	for i := range l {
		if l[i] == '|' {
			return l[:i], l[i+1:], true
		}
	}
	return l, "", false
}

// storeCases run against both MemberStore twins.
func testStore(t *testing.T, s MemberStore) {
	t.Helper()
	for _, m := range []DynamicMember{
		{Queue: "b", Interface: "SIP/2", Seq: 2},
		{Queue: "a", Interface: "SIP/9", Seq: 5, Paused: true, PausedReason: "lunch"},
		{Queue: "a", Interface: "SIP/1", Seq: 3, Penalty: 4, Name: "One"},
	} {
		if err := s.Put(m); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Put(DynamicMember{Queue: "b", Interface: "sip/2", Seq: 2, Penalty: 1}); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete("a", "SIP/none"); err != nil {
		t.Fatal(err)
	}
	got, err := s.Members()
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, m := range got {
		keys = append(keys, m.Queue+"/"+m.Interface)
	}
	check(t, keys, []string{"a/SIP/1", "a/SIP/9", "b/sip/2"})
	if got[1].PausedReason != "lunch" || got[0].Name != "One" || got[2].Penalty != 1 {
		t.Fatalf("members %+v", got)
	}
	if err := s.Delete("a", "sip/9"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Members(); len(got) != 2 {
		t.Fatalf("after delete %+v", got)
	}
}

func TestStores(t *testing.T) {
	tests := []struct {
		name string
		open func(t *testing.T) MemberStore
	}{
		{"mem", func(*testing.T) MemberStore { return NewMemStore() }},
		{"bolt", func(t *testing.T) MemberStore {
			db, err := bolt.Open(filepath.Join(t.TempDir(), "q.db"), 0o600, &bolt.Options{Timeout: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			s, err := NewBoltStore(db)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { testStore(t, tc.open(t)) })
	}
}

// Dynamic members survive a restart: the bbolt file is closed and opened
// again under a new Manager, which puts them back in their order, paused
// state and penalty, after the static members.
func TestDynamicMembersPersist(t *testing.T) {
	path := filepath.Join(t.TempDir(), "obelisk.db")
	open := func() (*bolt.DB, *BoltStore) {
		db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		s, err := NewBoltStore(db)
		if err != nil {
			t.Fatal(err)
		}
		return db, s
	}
	db, s := open()
	r := newRig(t, membersConf, s)
	r.m.AddMember("c", DynamicMember{Queue: "q", Interface: "SIP/202", Penalty: 2})
	r.m.AddMember("c", DynamicMember{Queue: "q", Interface: "SIP/201", Name: "Agent 1"})
	r.m.AddMember("c", DynamicMember{Queue: "other", Interface: "SIP/203"})
	r.m.PauseMember("q", "SIP/201", "lunch")
	r.m.RemoveMember("c", "other", "SIP/203")
	db.Close()

	db, s = open()
	defer db.Close()
	s.Put(DynamicMember{Queue: "gone", Interface: "SIP/1"})
	r2 := newRig(t, membersConf, s)
	ms, _ := r2.m.Members("q")
	var got []string
	for _, m := range ms {
		got = append(got, m.Interface)
	}
	check(t, got, []string{"SIP/static", "SIP/202", "SIP/201"})
	if !ms[2].Paused || ms[2].PausedReason != "lunch" || ms[2].Name != "Agent 1" || ms[1].Penalty != 2 || !ms[1].Dynamic {
		t.Fatalf("members %+v", ms)
	}
	if o, _ := r2.m.Members("other"); len(o) != 0 {
		t.Fatalf("removed member came back: %+v", o)
	}
	if st, _ := s.Members(); len(st) != 2 {
		t.Fatalf("member of a queue that is gone kept: %+v", st)
	}
	// A new member after the restart still goes last.
	r2.m.AddMember("c", DynamicMember{Queue: "q", Interface: "SIP/204"})
	if st, _ := s.Members(); st[len(st)-1].Interface != "SIP/204" {
		t.Fatalf("order %+v", st)
	}
}

// persistentmembers=no stores nothing.
func TestNoPersistentMembers(t *testing.T) {
	r := newRig(t, "[general]\npersistentmembers=no\n[q]\n", nil)
	r.m.AddMember("c", DynamicMember{Queue: "q", Interface: "SIP/1"})
	if st, _ := r.store.Members(); len(st) != 0 {
		t.Fatalf("stored %+v", st)
	}
}

// Reload keeps dynamic members and the counters of static members that
// stay, and follows the new member lines.
func TestReload(t *testing.T) {
	r := newRig(t, "[q]\nmember => SIP/A\nmember => SIP/B\n", nil)
	r.m.AddMember("c", DynamicMember{Queue: "q", Interface: "SIP/D"})
	r.m.PauseMember("q", "SIP/A", "")
	cfg, _ := load(t, "[q]\nstrategy=fewestcalls\nmember => SIP/C\nmember => SIP/A,2\n[new]\n")
	r.m.Reload(cfg, nil)
	ms, _ := r.m.Members("q")
	var got []string
	for _, m := range ms {
		got = append(got, m.Interface)
	}
	check(t, got, []string{"SIP/C", "SIP/A", "SIP/D"})
	if !ms[1].Paused || ms[1].Penalty != 2 {
		t.Fatalf("A after reload %+v", ms[1])
	}
	check(t, r.m.Queues(), []string{"new", "q"})
}
