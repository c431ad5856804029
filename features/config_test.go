package features

import (
	"strings"
	"testing"
	"time"

	"github.com/obelisk-pbx/obelisk/config/configtest"
)

func load(t *testing.T, text string) (*Config, string) {
	t.Helper()
	return configtest.Load(t, "features.conf", text, LoadConfig)
}

func TestSeedFeatures(t *testing.T) {
	cfg, msgs := load(t, `[general]
transferdigittimeout=5
atxfernoanswertimeout=20
atxferabort=*9

[featuremap]
automixmon => *1
atxfer => *2

[applicationmap]
survey => *7,self/callee,Gosub(survey,s,1)
playmonkeys => #9,peer,Playback,tt-monkeys
`)
	if msgs != "" {
		t.Fatalf("diagnostics: %s", msgs)
	}
	if cfg.General.TransferDigitTimeout != 5*time.Second || cfg.General.AtxferNoAnswerTimeout != 20*time.Second || cfg.General.AtxferAbort != "*9" || cfg.General.AtxferComplete != "*2" {
		t.Fatalf("general %+v", cfg.General)
	}
	if cfg.Lookup("*1") != AutoMixMon || cfg.Lookup("*2") != AttendedTransfer || cfg.Lookup("#") != BlindTransfer || cfg.Lookup("*") != Disconnect {
		t.Fatalf("map %v", cfg.Map)
	}
	if len(cfg.Apps) != 2 || cfg.Apps[0].App != "Gosub" || cfg.Apps[0].Args != "survey,s,1" || cfg.Apps[0].ActivatedBy != "callee" ||
		cfg.Apps[1].App != "Playback" || cfg.Apps[1].Args != "tt-monkeys" || cfg.Apps[1].ActivateOn != "peer" {
		t.Fatalf("apps %+v", cfg.Apps)
	}
}

func TestFeatureDiagnostics(t *testing.T) {
	tests := []struct{ name, text, want string }{
		{"unknown feature", "[featuremap]\nteleport => *5\n", `features.conf:2: unknown feature "teleport"`},
		{"bad dtmf", "[featuremap]\natxfer => x2\n", `features.conf:2: atxfer: "x2" is not a DTMF sequence`},
		{"clash", "[featuremap]\natxfer => #\n", `features.conf:2: warning: atxfer uses #, which blindxfer already uses; atxfer wins`},
		{"bad app", "[applicationmap]\nx => *5,sideways,NoOp\n", `features.conf:2: applicationmap x: activate_on "sideways": want self or peer`},
		{"short app", "[applicationmap]\nx => *5\n", `features.conf:2: applicationmap x: want dtmf,activate_on,application[,arguments]`},
		{"bad timeout", "[general]\ntransferdigittimeout=soon\n", `features.conf:2: transferdigittimeout: "soon" is not a whole number`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, msgs := load(t, tc.text); !strings.Contains(msgs, tc.want) {
				t.Fatalf("want %q in:\n%s", tc.want, msgs)
			}
		})
	}
}

func TestParkingConfig(t *testing.T) {
	cfg, msgs := load(t, "[general]\nparkext=800\nparkpos=801-820\ncontext=parked\nparkingtime=30\ncomebacktoorigin=no\n[featuremap]\nparkcall => #72\n")
	if msgs != "" {
		t.Fatalf("diagnostics: %s", msgs)
	}
	want := Parking{ParkExt: "800", PosStart: 801, PosEnd: 820, Context: "parked", ParkingTime: 30 * time.Second,
		ComebackToOrigin: false, ComebackDialTime: DefaultComebackDialTime}
	if cfg.Parking != want || cfg.Lookup("#72") != ParkCall {
		t.Errorf("parking %+v (map %v), want %+v", cfg.Parking, cfg.Map, want)
	}
	def, _ := load(t, "[general]\n")
	if p := def.Parking; p.ParkExt != "700" || p.PosStart != 701 || p.PosEnd != 750 || p.Context != "parkedcalls" || p.ParkingTime != 45*time.Second || !p.ComebackToOrigin {
		t.Errorf("default parking %+v, want res_parking's default lot", p)
	}
	if _, msgs := load(t, "[general]\nparkpos=720-701\n"); !strings.Contains(msgs, `parkpos: "720-701" is not a range`) {
		t.Errorf("a reversed parkpos: %s", msgs)
	}
}
