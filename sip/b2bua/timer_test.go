package b2bua

import (
	"context"
	"errors"
	"testing"
	"time"

	sipgosip "github.com/emiago/sipgo/sip"
	"github.com/obelisk-pbx/obelisk/sip"
)

func inviteWith(hdrs ...string) *sipgosip.Request {
	req := sipgosip.NewRequest(sipgosip.INVITE, sipgosip.Uri{Scheme: "sip", User: "1001", Host: "127.0.0.1"})
	for i := 0; i+1 < len(hdrs); i += 2 {
		req.AppendHeader(sipgosip.NewHeader(hdrs[i], hdrs[i+1]))
	}
	return req
}

func TestUASTimer(t *testing.T) {
	general := sip.General{SessionTimers: sip.SessionTimersAccept, SessionExpires: 1800 * time.Second,
		SessionMinSE: 90 * time.Second, SessionRefresher: "uas"}
	originate := general
	originate.SessionTimers = sip.SessionTimersOriginate
	refuse := general
	refuse.SessionTimers = sip.SessionTimersRefuse
	tests := []struct {
		name      string
		g         sip.General
		req       *sipgosip.Request
		wantOn    bool
		interval  time.Duration
		weRefresh bool
		hdr       string // Session-Expires of our 2xx
		require   bool
		err       error
	}{
		{"peer refreshes", general, inviteWith("Supported", "timer", "Session-Expires", "1800;refresher=uac"),
			true, 1800 * time.Second, false, "1800;refresher=uac", true, nil},
		{"peer asks us to refresh", general, inviteWith("Supported", "timer", "Session-Expires", "600;refresher=uas"),
			true, 600 * time.Second, true, "600;refresher=uas", true, nil},
		{"no refresher: the UAS (we) refreshes", general, inviteWith("Supported", "timer", "Session-Expires", "900"),
			true, 900 * time.Second, true, "900;refresher=uas", true, nil},
		{"compact form and Min-SE above", general, inviteWith("k", "timer", "x", "100", "Min-SE", "120"),
			true, 120 * time.Second, true, "120;refresher=uas", true, nil},
		{"Session-Expires without Supported: timer gets no Require", general, inviteWith("Session-Expires", "1800;refresher=uac"),
			true, 1800 * time.Second, false, "1800;refresher=uac", false, nil},
		{"too small", general, inviteWith("Supported", "timer", "Session-Expires", "30"), false, 0, false, "", false, errIntervalTooSmall},
		{"not asked, accept", general, inviteWith("Supported", "timer"), false, 0, false, "", false, nil},
		{"not asked, originate", originate, inviteWith("Supported", "timer"),
			true, 1800 * time.Second, true, "1800;refresher=uas", true, nil},
		{"refuse ignores", refuse, inviteWith("Supported", "timer", "Session-Expires", "30"), false, 0, false, "", false, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			interval, we, hdrs, on, err := uasTimer(tc.g, tc.req, true)
			if !errors.Is(err, tc.err) {
				t.Fatalf("error %v, want %v", err, tc.err)
			}
			if on != tc.wantOn || interval != tc.interval || (on && we != tc.weRefresh) {
				t.Fatalf("on=%v interval=%s weRefresh=%v, want %v %s %v", on, interval, we, tc.wantOn, tc.interval, tc.weRefresh)
			}
			if !on {
				return
			}
			if hdrs[0].Value() != tc.hdr {
				t.Errorf("Session-Expires %q, want %q", hdrs[0].Value(), tc.hdr)
			}
			if got := len(hdrs) == 2 && hdrs[1].Value() == "timer"; got != tc.require {
				t.Errorf("Require: timer = %v, want %v", got, tc.require)
			}
		})
	}
}

func TestDialStatus(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"answered", nil, "ANSWER"},
		{"busy", &DialError{Code: 486}, "BUSY"},
		{"declined", &DialError{Code: 603}, sip.DialStatus(603)},
		{"ring timeout", &DialError{Err: errors.Join(errors.New("x"), contextDeadline())}, "NOANSWER"},
		{"transport", &DialError{Err: errors.New("no route")}, "CHANUNAVAIL"},
	}
	for _, tc := range tests {
		if got := DialStatus(tc.err); got != tc.want {
			t.Errorf("%s: DialStatus = %s, want %s", tc.name, got, tc.want)
		}
	}
}

func contextDeadline() error { return context.DeadlineExceeded }
