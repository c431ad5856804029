package pbx

import (
	"reflect"
	"regexp"
	"sort"
	"testing"

	"github.com/obelisk-pbx/obelisk/ivr"
	"github.com/obelisk-pbx/obelisk/media"
)

func TestParseMixMonitorArgs(t *testing.T) {
	const dir = "/data/recordings"
	tests := []struct {
		name     string
		args     string
		want     mixMonitorOptions
		warnings int
		err      bool
	}{
		{name: "file only", args: "call.wav",
			want: mixMonitorOptions{rec: media.RecorderOptions{File: dir + "/call.wav"}}},
		{name: "absolute file", args: "/var/spool/asterisk/monitor/x.wav",
			want: mixMonitorOptions{rec: media.RecorderOptions{File: "/var/spool/asterisk/monitor/x.wav"}}},
		{name: "subdirectory", args: "2024/05/x.wav",
			want: mixMonitorOptions{rec: media.RecorderOptions{File: dir + "/2024/05/x.wav"}}},
		{name: "append bridged stereo", args: "x.wav,abD",
			want: mixMonitorOptions{rec: media.RecorderOptions{File: dir + "/x.wav", Append: true, BridgedOnly: true, Interleave: true}}},
		{name: "per-direction files", args: "x.wav,r(in.wav)t(/tmp/out.wav)",
			want: mixMonitorOptions{rec: media.RecorderOptions{File: dir + "/x.wav", RxFile: dir + "/in.wav", TxFile: "/tmp/out.wav"}}},
		{name: "only per-direction files", args: ",r(in.sln)t(out.sln)",
			want: mixMonitorOptions{rec: media.RecorderOptions{RxFile: dir + "/in.sln", TxFile: dir + "/out.sln"}}},
		{name: "volumes", args: "x.wav,v(2)V(-3)",
			want: mixMonitorOptions{rec: media.RecorderOptions{File: dir + "/x.wav", RxVolume: 2, TxVolume: -3}}},
		{name: "both volumes", args: "x.wav,W(4)",
			want: mixMonitorOptions{rec: media.RecorderOptions{File: dir + "/x.wav", RxVolume: 4, TxVolume: 4}}},
		{name: "volume out of range ignored", args: "x.wav,v(5)V(x)", warnings: 2,
			want: mixMonitorOptions{rec: media.RecorderOptions{File: dir + "/x.wav"}}},
		{name: "id variable", args: "x.wav,i(MONID)",
			want: mixMonitorOptions{rec: media.RecorderOptions{File: dir + "/x.wav"}, uidVar: "MONID"}},
		{name: "command with deferred variables", args: "x.wav,,gzip ^{MIXMONITOR_FILENAME} ${X}",
			want: mixMonitorOptions{rec: media.RecorderOptions{File: dir + "/x.wav"}, command: "gzip ${MIXMONITOR_FILENAME} ${X}"}},
		{name: "unsupported options", args: "x.wav,B(10)S",
			want: mixMonitorOptions{rec: media.RecorderOptions{File: dir + "/x.wav"}, ignored: []string{"B", "S"}}},
		{name: "no file", args: "", err: true},
		{name: "no file with options", args: ",ab", err: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, warnings, err := parseMixMonitorArgs(ivr.SplitArgs(tc.args), dir)
			if (err != nil) != tc.err {
				t.Fatalf("error %v, want error %v", err, tc.err)
			}
			if err != nil {
				return
			}
			sort.Strings(got.ignored)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("parseMixMonitorArgs(%q) =\n  %+v\nwant\n  %+v", tc.args, got, tc.want)
			}
			if len(warnings) != tc.warnings {
				t.Errorf("warnings %q, want %d", warnings, tc.warnings)
			}
		})
	}
}

func TestMonitorIDIsUUID(t *testing.T) {
	re := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	a, b := newMonitorID(), newMonitorID()
	if !re.MatchString(a) || a == b {
		t.Errorf("IDs %q, %q: want distinct random UUIDs", a, b)
	}
}

func TestNewRegistryHasMediaApps(t *testing.T) {
	r := NewRegistry()
	for _, name := range []string{"MixMonitor", "StopMixMonitor", "Record", "PlayTones", "StopPlayTones",
		"MusicOnHold", "StartMusicOnHold", "StopMusicOnHold", "Speak", "Festival", "Dial"} {
		if !r.HasApp(name) {
			t.Errorf("NewRegistry lacks %s", name)
		}
	}
}
