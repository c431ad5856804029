package cdr

import (
	"strings"
	"testing"

	"github.com/obelisk-pbx/obelisk/config/configtest"
)

func TestLoadConfig(t *testing.T) {
	tests := []struct {
		name string
		text string
		want Config
		msgs string // a part of the diagnostics, "" for none
	}{
		{"empty file: Asterisk's defaults", "", Config{General: DefaultGeneral, CSV: DefaultCSVConfig}, ""},
		{"cdr.conf.sample's options", `[general]
enable=yes
unanswered=yes
congestion=yes
endbeforehexten=no
initiatedseconds=yes
batch=no
size=100
time=300
scheduleronly=no
safeshutdown=yes

[csv]
usegmtime=yes
loguniqueid=yes
loguserfield=yes
accountlogs=no
newcdrcolumns=yes

[radius]
usegmtime=yes
`, Config{General: General{Enable: true, Unanswered: true, Congestion: true, InitiatedSeconds: true},
			CSV: CSVConfig{UseGMTime: true, LogUniqueID: true, LogUserField: true, NewCDRColumns: true}}, ""},
		{"disabled", "[general]\nenable=no\n", Config{General: General{EndBeforeHExten: true}, CSV: DefaultCSVConfig}, ""},
		{"unknown option and section", "[general]\nbogus=1\n[odd]\nx=1\n", Config{General: DefaultGeneral, CSV: DefaultCSVConfig}, "bogus"},
		{"bad boolean", "[general]\nunanswered=maybe\n", Config{General: DefaultGeneral, CSV: DefaultCSVConfig}, "unanswered"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, msgs := configtest.Load(t, "cdr.conf", tc.text, LoadConfig)
			if tc.msgs == "" && msgs != "" || !strings.Contains(msgs, tc.msgs) {
				t.Errorf("diagnostics %q, want %q", msgs, tc.msgs)
			}
			if cfg.General != tc.want.General || cfg.CSV.UseGMTime != tc.want.CSV.UseGMTime || cfg.CSV.LogUniqueID != tc.want.CSV.LogUniqueID ||
				cfg.CSV.LogUserField != tc.want.CSV.LogUserField || cfg.CSV.AccountLogs != tc.want.CSV.AccountLogs || cfg.CSV.NewCDRColumns != tc.want.CSV.NewCDRColumns {
				t.Errorf("config %+v, want %+v", *cfg, tc.want)
			}
		})
	}
}
