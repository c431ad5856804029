package pbx

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/obelisk-pbx/obelisk/cdr"
	"github.com/obelisk-pbx/obelisk/ivr"
)

// TestCDRFunction: CDR() reads the channel's current record and sets its
// userfield, which the written record carries; the read-only fields
// cannot be set; other names are CDR variables. The trace gives the
// record its lastapp, dst and dcontext.
func TestCDRFunction(t *testing.T) {
	dir := t.TempDir()
	plan := `[test]
exten => 0777,1,Set(CDR(userfield)=vip)
 same => n,Set(UF=${CDR(userfield)})
 same => n,Set(CDR(src)=forged)
 same => n,Set(SRC=${CDR(src)})
 same => n,Set(CDR(mine)=42)
 same => n,Set(MINE=${CDR(mine)} ${CDR(channel)} ${CDR(disposition)} ${CDR(dstchannel)}.)
 same => n,NoOp(the end)
`
	if err := os.WriteFile(filepath.Join(dir, "extensions.conf"), []byte(plan), 0o600); err != nil {
		t.Fatal(err)
	}
	sw, err := New(Options{ConfigFS: os.DirFS(dir), ConfigName: dir, DataDir: t.TempDir(), Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sw.Close() })
	clock := ivr.NewVirtualClock(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
	call := &originatedCall{Call: ivr.NewSimCaller(clock, "", nil)}
	ch := sw.Engine().NewChannel(call, ivr.ChannelOptions{Name: "SIP/7001-00000001", Context: "test", Exten: "0777",
		CallerID: ivr.CallerID{Num: "7001", Name: "Client"}, State: ivr.StateUp})
	c := sw.newCallCDR(ch, time.Now(), false)
	c.answered(time.Now())
	originating.Store(ch, c)
	sw.Engine().Run(context.Background(), ch)
	for name, want := range map[string]string{"UF": "vip", "SRC": "7001", "MINE": "42 SIP/7001-00000001 NO ANSWER ."} {
		if got := ch.Var(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	mem := &cdr.MemWriter{}
	sw.cdrs = mem
	sw.finishOriginated(ch)
	recs := mem.Records()
	if len(recs) != 1 {
		t.Fatalf("records %+v", recs)
	}
	r := recs[0]
	if r.UserField != "vip" || r.LastApp != "NoOp" || r.LastData != "the end" || r.Dst != "0777" || r.DContext != "test" ||
		r.Src != "7001" || r.CLID != `"Client" <7001>` || r.Disposition != cdr.DispositionAnswered || r.LinkedID == "" || r.LinkedID != r.UniqueID {
		t.Errorf("record %+v", r)
	}
}
